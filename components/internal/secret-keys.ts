/**
 * Which config keys hold secrets, so a message never echoes their values: the
 * known secret keys, anything close to one (a misspelt `hfTokn`), and any key
 * whose name says it is a credential.
 */
import { closestName } from "./did-you-mean";

const CREDENTIAL_NAME = /(token|secret|passw(or)?d|api[-_]?key|apikey|webhook|credential|private[-_]?key|access[-_]?key)/i;

/** Whether `key` holds, or probably holds, a secret (given the known secret keys). */
export function looksLikeSecretKey(key: string, secretKeys: readonly string[]): boolean {
    return CREDENTIAL_NAME.test(key) || closestName(key, secretKeys) !== undefined;
}
