/**
 * What the Bun and Deno adapters share: sockets through libc over the
 * runtime's FFI (each adapter brings its own `dlopen` binding and its
 * spawn), signals and files through node:* code. Module workers run on this runtime
 * unless their command names another (../shared/_worker-runtime.ts).
 */
import type { RuntimePort } from "../../core/ports.ts";
import { type LibcSocketFns, libcSockets } from "./_libc-socket.ts";
import { nodeModuleArgv } from "../shared/_node-binary.ts";
import { readProcessStats } from "../shared/_proc-stats.ts";
import { withWorkerRuntimes } from "../shared/_worker-runtime.ts";
import { aliveGroups, groupAlive, killGroup, removeDir, signalTagged } from "../shared/_node-compat.ts";

export function createFfiRuntime(
  name: "bun" | "deno",
  openLibc: () => LibcSocketFns,
  spawn: RuntimePort["spawn"],
): RuntimePort {
  return {
    name,
    ...libcSockets(name === "bun" ? "Bun" : "Deno", openLibc),
    spawn,
    killGroup,
    groupAlive,
    aliveGroups,
    signalTagged,
    moduleArgv: withWorkerRuntimes(nodeModuleArgv),
    removeDir,
    processStats: readProcessStats,
  };
}
