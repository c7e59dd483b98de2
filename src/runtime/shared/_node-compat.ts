/**
 * Process and file code shared by the three runtime adapters, with only
 * node:* modules that behave the same on Node, Bun and Deno: group signals
 * and liveness, removing run dirs and socket files.
 */
import { rmSync } from "node:fs";
import type { BoundSocket } from "../../core/types.ts";

export { type ResolvedHost, resolveHost } from "./_bind-errors.ts";
export { aliveGroups, groupAlive, killGroup, signalTagged } from "./_process-groups.ts";

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** A Unix socket's file goes with its socket (the supervisor owns it, not the workers). */
export function removeSocketFile(socket: BoundSocket): void {
  if (socket.address.kind === "unix" && !socket.adopted) rmSync(socket.address.path, { force: true });
}
