import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config";
import { createPlatform, PlatformOutputs } from "./platform";

/** The program: validate the whole config first (with the AWS provider's `aws:region`), then declare the platform. */
export function main(): PlatformOutputs {
    return createPlatform(loadPlatformConfig(), pulumi.getStack(), new pulumi.Config("aws").get("region"));
}
