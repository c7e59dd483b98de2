/**
 * citty's `defineCommand` (an identity function for typing), without loading
 * citty: citty reads the environment when it loads (TERM, for colours), which
 * under Deno asks for a permission that `--help` and `--version` must not need.
 */
import type { ArgsDef, CommandDef } from "citty";

export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def;
}
