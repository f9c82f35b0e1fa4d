import type { EngineEvent } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";

/** A recorded engine event sequence of the prod stack (fixtures/README.md). */
export function recorded(name: string): EngineEvent[] {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", `${name}.events.json`), "utf8"));
}
