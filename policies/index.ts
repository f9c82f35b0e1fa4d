/** The CrossGuard pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config.<env>.json`. */
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES, PACK_NAME } from "./all";

new PolicyPack(PACK_NAME, { policies: ALL_POLICIES });
