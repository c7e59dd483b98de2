/**
 * Readiness, worker side: the supervisor opens a pipe for every worker and
 * names its fd in `BENTO_READY_FD`; writing `READY=1` on a line of its own
 * tells it the worker serves (systemd's sd_notify message, on a pipe that
 * every runtime and language can write to). Deno has no node:fs access to an
 * inherited fd (EBADF), but a node:net Socket adopts the pipe.
 */
import { closeSync, writeSync } from "node:fs";
import { Socket } from "node:net";

let notified = false;

/** Tell the supervisor this worker is ready; does nothing outside bento-kit or the second time. */
export function notifyReady(): boolean {
  const raw = process.env.BENTO_READY_FD;
  if (notified || raw === undefined || !/^\d+$/.test(raw)) return false;
  notified = true;
  const fd = Number(raw);
  if ("Deno" in globalThis) return notifyThroughSocket(fd);
  try {
    writeSync(fd, "READY=1\n");
    closeSync(fd);
    return true;
  } catch {
    return false; // the supervisor went away or the fd was closed: nothing to tell
  }
}

function notifyThroughSocket(fd: number): boolean {
  try {
    const pipe = new Socket({ fd, readable: false, writable: true });
    pipe.on("error", () => {}); // the supervisor went away: nothing to tell
    pipe.end("READY=1\n");
    return true;
  } catch {
    return false;
  }
}
