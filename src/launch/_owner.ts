/**
 * Who owns an instance file or a run dir: a pid and, where /proc tells, the
 * process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot).
 * A pid alone is not enough: once a killed supervisor's pid is reused by
 * another process, the pid answers but the start time differs.
 */
import { readFileSync, readlinkSync } from "node:fs";

export interface Owner {
  readonly pid: number;
  /** Undefined where /proc cannot be read (not Linux; Deno without --allow-all). */
  readonly start?: string;
  /** Its pid namespace (`pid:[4026531836]`): a pid means something only in its own namespace. */
  readonly ns?: string;
}

/** This process, as the owner of what it writes. */
export function selfOwner(): Owner {
  const start = processStartTime(process.pid);
  const ns = pidNamespace();
  return { pid: process.pid, ...(start === undefined ? {} : { start }), ...(ns === undefined ? {} : { ns }) };
}

/** This process's pid namespace, where /proc tells. */
export function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}

/** The process's start time and state, or undefined when /proc cannot tell (or it is gone). */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] === undefined ? undefined : { state: fields[0]!, start: fields[19] };
  } catch {
    return undefined;
  }
}

export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.start;
}

/**
 * True while the owner runs: its pid is alive (not a zombie) and, when its
 * start time was recorded and /proc tells the pid's, it is the same process.
 */
export function ownerAlive(owner: Owner): boolean {
  if (!pidAlive(owner.pid)) return false;
  const now = procStat(owner.pid);
  if (now === undefined) return true; // no /proc: trust the pid
  if (now.state === "Z" || now.state === "X") return false;
  return owner.start === undefined || now.start === owner.start;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
