/** The SpawnFailed both spawn adapters return when the OS refuses to start a program. */
import { existsSync } from "node:fs";
import { type SpawnFailed, spawnFailed } from "../../core/errors.ts";

/** A spawn request with no program at all. */
export const emptyCommand = (): SpawnFailed => spawnFailed("", "Cannot start a worker with an empty command", "EINVAL");

/** Why a program could not be started, with the fix for the common causes. */
export function spawnError(program: string, cwd: string, cause: unknown): SpawnFailed {
  const code = (cause as { code?: unknown } | null)?.code;
  const name = typeof code === "string" ? code : "UNKNOWN";
  const what = `Cannot start "${program}"`;
  if (name === "ENOENT" && !existsSync(cwd)) {
    return spawnFailed("", `${what}: working directory ${cwd} does not exist (ENOENT); create it or fix cwd`, name);
  }
  const reason = name === "ENOENT"
    ? "command not found (ENOENT); check the command in bento.config or install it"
    : name === "EACCES"
    ? "permission denied (EACCES); make the file executable (chmod +x) or check the command in bento.config"
    : `${(cause as Error)?.message ?? String(cause)} (${name})`;
  return spawnFailed("", `${what}: ${reason}`, name);
}
