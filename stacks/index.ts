/** Entry point of the Pulumi program (`Pulumi.yaml` → `main: stacks/`). */
import { main } from "./program";

export = main();
