/**
 * What the Bun and Deno adapters share: sockets through libc over the
 * runtime's FFI (each adapter brings its own `dlopen` binding and its
 * spawn, and Deno its /proc reader), signals and files through node:* code. Module
 * workers run on this runtime unless their command names another (../shared/_worker-runtime.ts).
 */
import type { RuntimePort } from "../../core/ports.ts";
import { type LibcSocketFns, libcSockets } from "./_libc-socket.ts";
import { procStatsReader } from "../shared/_proc-stats.ts";
import { processGroups } from "../shared/_process-groups.ts";
import { nodeProcFs, type ProcFs } from "../shared/_procfs.ts";
import { withWorkerRuntimes } from "../shared/_worker-runtime.ts";
import { pathNodeTypeScriptWorkers } from "../shared/_typescript-workers.ts";
import { removeDir } from "../shared/_node-compat.ts";

export function createFfiRuntime(
  name: "bun" | "deno",
  openLibc: () => LibcSocketFns,
  spawn: RuntimePort["spawn"],
  procfs: ProcFs = nodeProcFs,
): RuntimePort {
  const { killGroup, groupAlive, aliveGroups, signalTagged } = processGroups(procfs);
  const node = pathNodeTypeScriptWorkers();
  return {
    name,
    ...libcSockets(name === "bun" ? "Bun" : "Deno", openLibc),
    spawn: (request) => spawn(request).map((child) => (node.watch(request, child), child)),
    killGroup,
    groupAlive,
    aliveGroups,
    signalTagged,
    moduleArgv: withWorkerRuntimes(node.argv),
    removeDir,
    processStats: procStatsReader(procfs),
  };
}
