/**
 * Processes through /proc: who descends from whom, process groups, and a
 * record of everything a supervisor started, so a test can check after the
 * supervisor is gone (its orphans then belong to init, so its descendants are
 * no help) that every process and every process group it had is gone too.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One process as /proc showed it; `start` (clock ticks since boot) tells a reused pid apart. */
export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly start: string;
  readonly state: string;
}

/** Every process now, zombies excluded. */
export function listProcs(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readProc(Number(entry));
    if (p && p.state !== "Z" && p.state !== "X") out.push(p);
  }
  return out;
}

export function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime ..."
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), start: f[19]! };
  } catch {
    return undefined;
  }
}

/** The same process still running: its pid, with the start time it had, and not a zombie (a reused pid is another process). */
export function stillRunning(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.start === p.start && now.state !== "Z" && now.state !== "X";
}

/** Live (non-zombie) processes whose parent chain leads to `root`. */
export function descendantProcs(root: number, procs = listProcs()): Proc[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  return procs.filter((p) => {
    let q: Proc | undefined = p;
    for (let depth = 0; q && q.ppid > 1 && depth < 50; depth++) {
      if (q.ppid === root) return true;
      q = byPid.get(q.ppid);
    }
    return false;
  });
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "?";
  }
}

/** The test runner's own process group: never counted as the supervisor's. */
const OWN_PGID = readProc(process.pid)?.pgid;

/**
 * Remembers every process seen below `root` and the process groups they
 * lead or belong to. `leftovers()` lists what of it still runs: a recorded
 * process (same pid, same start time) or any member of a recorded group.
 */
export function createProcRecord(root: number) {
  const seen = new Map<number, Proc>();
  const groups = new Set<number>();
  const rootPgid = readProc(root)?.pgid;
  function record(): Proc[] {
    const now = descendantProcs(root);
    for (const p of now) {
      seen.set(p.pid, p);
      if (p.pgid !== OWN_PGID && p.pgid !== rootPgid && p.pgid > 1) groups.add(p.pgid);
    }
    return now;
  }
  function leftovers(): Proc[] {
    const out = new Map<number, Proc>();
    for (const p of listProcs()) {
      const was = seen.get(p.pid);
      if ((was && was.start === p.start) || groups.has(p.pgid)) out.set(p.pid, p);
    }
    return [...out.values()];
  }
  return { record, leftovers, seen: () => [...seen.values()], groups: () => [...groups] };
}

export type ProcRecord = ReturnType<typeof createProcRecord>;

/** Kill what a record still finds: each group, then each process. */
export function killLeftovers(procs: readonly Proc[]): void {
  for (const pgid of new Set(procs.map((p) => p.pgid))) {
    if (pgid !== OWN_PGID && pgid > 1) tryKill(-pgid);
  }
  for (const p of procs) tryKill(p.pid);
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

export function describeProcs(procs: readonly Proc[]): string {
  return procs.map((p) => `pid ${p.pid} (group ${p.pgid}): ${cmdline(p.pid)}`).join("\n  ");
}
