/**
 * Command-line flags as vLLM's argument parser reads them, so a check on
 * `extraArgs` sees what the server will see.
 *
 * vLLM v0.21.0 `FlexibleArgumentParser.parse_args` (vllm-project/vllm,
 * vllm/utils/argparse_utils.py) turns `_` into `-` in a long flag's name (up
 * to the first `.`, which addresses a key of a JSON flag) and accepts
 * `--flag=value` and `--flag value`; it is a Python `argparse.ArgumentParser`
 * with the default `allow_abbrev=True`, so any unambiguous prefix of a long
 * flag selects it (Python docs, "argparse — allow_abbrev"); the last value of
 * a repeated flag wins.
 */

/** A flag as the parser reads it: its canonical name and whether the value came with it (`--flag=value`). */
export interface ParsedFlag {
    /** `--tensor-parallel-size` for `--tensor_parallel_size=2`; the JSON key path is dropped (`--foo.bar` → `--foo`). */
    name: string;
    /** The value given after `=`, if any. */
    inlineValue?: string;
}

/** The flag an argument names, or undefined when it is a value (not starting with `-`). */
export function parseFlag(arg: string): ParsedFlag | undefined {
    if (!arg.startsWith("-") || arg === "-" || arg === "--") return undefined;
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const name = key.startsWith("--") ? `--${key.slice(2).split(".")[0].replace(/_/g, "-")}` : key;
    return eq < 0 ? { name } : { name, inlineValue: arg.slice(eq + 1) };
}

/**
 * The flag of `flags` that `name` selects: itself, or (for a long flag) the one
 * it abbreviates. A prefix shared by several of `flags` is reported as the first;
 * argparse would refuse it as ambiguous, and it is refused here either way.
 */
export function selectedFlag(name: string, flags: readonly string[]): string | undefined {
    if (flags.includes(name)) return name;
    if (!name.startsWith("--") || name.length < 4) return undefined;
    return flags.find((f) => f.startsWith("--") && f.startsWith(name));
}

/** `arg` with any value given after `=` hidden, for messages about credentials. */
export function withoutValue(arg: string): string {
    const eq = arg.indexOf("=");
    return eq < 0 ? arg : `${arg.slice(0, eq)}=(value hidden)`;
}
