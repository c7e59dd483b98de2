/**
 * Supervisors a test starts itself (in its own process group, or with odd
 * stdio), killed with everything below them by pid at the end of each test.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { descendantsOf } from "../_helpers/serve-process.ts";

const started: ChildProcess[] = [];

export function track(child: ChildProcess): ChildProcess {
  started.push(child);
  return child;
}

/** SIGKILL every tracked supervisor, its descendants and their groups. */
export function killTracked(): void {
  for (const child of started.splice(0)) {
    for (const pid of descendantsOf(child.pid!)) tryKill(-pid) || tryKill(pid);
    tryKill(-child.pid!) || tryKill(child.pid!);
  }
}

function tryKill(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** A process's command line, NULs and all ("" once it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}
