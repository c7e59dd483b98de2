/**
 * Process groups and tagged processes, through /proc (Linux): signal a
 * worker's group, tell which groups still have a live (non-zombie) member, in
 * one pass over /proc for any number of groups, and find the processes that
 * carry an instance's tag in their environment (those that left their
 * worker's group or session, with `setsid` or `detached`).
 */
import { readdirSync, readFileSync } from "node:fs";

type Signal = "SIGTERM" | "SIGKILL" | "SIGINT";

/** Signal every process of group `pgid`; false when no such group exists. */
export function killGroup(pgid: number, signal: Signal): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (cause) {
    return errnoCode(cause) === "EPERM";
  }
}

/** True while a live process of group `pgid` exists (zombies do not count). */
export function groupAlive(pgid: number): boolean {
  return aliveGroups([pgid]).has(pgid);
}

/**
 * The groups of `pgids` with a live member. A cheap signal-0 probe first; one
 * /proc pass for those that answered (a group of zombies answers too: an
 * orphaned grandchild stays a zombie until PID 1 reaps it).
 */
export function aliveGroups(pgids: Iterable<number>): Set<number> {
  const answering = new Set<number>();
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, 0);
      answering.add(pgid);
    } catch (cause) {
      if (errnoCode(cause) === "EPERM") answering.add(pgid);
    }
  }
  if (answering.size === 0) return answering;
  const live = new Set<number>();
  const stats = procStats();
  if (stats === undefined) return answering; // no /proc: trust the probe
  for (const { state, pgrp } of stats) if (answering.has(pgrp) && state !== "Z" && state !== "X") live.add(pgrp);
  return live;
}

/** Signal every process whose environment holds `tag` (e.g. BENTO_INSTANCE=...); how many were signalled. */
export function signalTagged(tag: string, signal: Signal | 0): number {
  let count = 0;
  const needle = `\0${tag}\0`;
  for (const pid of pidsInProc() ?? []) {
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = `\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`;
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.includes(needle)) continue;
    try {
      process.kill(pid, signal);
      count++;
    } catch { /* exited meanwhile */ }
  }
  return count;
}

function pidsInProc(): number[] | undefined {
  try {
    return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return undefined;
  }
}

function procStats(): { state: string; pgrp: number }[] | undefined {
  const pids = pidsInProc();
  if (pids === undefined || pids.length === 0) return undefined;
  const out: { state: string; pgrp: number }[] = [];
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state = "", , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.push({ state, pgrp: Number(pgrp) });
  }
  return out;
}

function errnoCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
