/**
 * What the Bun and Deno adapters share: sockets through libc over the
 * runtime's FFI (each adapter brings its own `dlopen` binding), processes,
 * signals and files through node:* code, module workers on Node.
 */
import type { RuntimePort } from "../core/ports.ts";
import { libcSockets, type LibcSocketFns } from "./_libc-socket.ts";
import { nodeModuleArgv } from "./_node-binary.ts";
import { readProcessStats } from "./_proc-stats.ts";
import { aliveGroups, groupAlive, killGroup, removeDir, signalTagged, spawnProcess } from "./_node-compat.ts";

export function createFfiRuntime(name: "bun" | "deno", openLibc: () => LibcSocketFns, moduleNote: string): RuntimePort {
  return {
    name,
    moduleNote,
    ...libcSockets(name === "bun" ? "Bun" : "Deno", openLibc),
    spawn: spawnProcess,
    killGroup,
    groupAlive,
    aliveGroups,
    signalTagged,
    moduleArgv: nodeModuleArgv,
    removeDir,
    processStats: readProcessStats,
  };
}
