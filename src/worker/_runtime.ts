/**
 * Listening on an inherited fd works on Node only; Bun and Deno workers listen
 * on a port the supervisor reserved (SO_REUSEPORT). Say so clearly when a Bun
 * or Deno worker got an fd only.
 */
import { type WorkerEnvError, workerEnvError } from "./_errors.ts";

const BUN_ISSUE = "https://github.com/oven-sh/bun/issues/22559";
const DENO_ISSUE = "https://github.com/denoland/deno/issues/14006";

/** The name of the non-Node runtime running this code, if any. */
export function foreignRuntime(global: object = globalThis): "Bun" | "Deno" | undefined {
  if ("Bun" in global && (global as { Bun?: unknown }).Bun !== undefined) return "Bun";
  if ("Deno" in global && (global as { Deno?: unknown }).Deno !== undefined) return "Deno";
  return undefined;
}

/** Throws a `RuntimeUnsupported` error when not running on Node. */
export function assertNode(global: object = globalThis): void {
  const runtime = foreignRuntime(global);
  if (runtime !== undefined) throw unsupported(runtime);
}

function unsupported(runtime: "Bun" | "Deno"): WorkerEnvError {
  const issue = runtime === "Bun" ? `oven-sh/bun#22559 (${BUN_ISSUE})` : `denoland/deno#14006 (${DENO_ISSUE})`;
  return workerEnvError(
    "RuntimeUnsupported",
    `bento-kit/worker cannot listen on an inherited socket under ${runtime}: ${runtime} cannot ` +
      `adopt a listening fd, see ${issue}. Start it with a bento-kit \`module\` command (its pool's ` +
      `workers then share a port with SO_REUSEPORT), or run this worker with Node (node --import tsx worker.ts).`,
  );
}
