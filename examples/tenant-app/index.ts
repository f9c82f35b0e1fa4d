/** Entry point: `pulumi up` in this folder deploys the team's model. */
import { main } from "./program";

export = main();
