/**
 * Process groups and tagged processes, through /proc (Linux): signal a
 * worker's group, tell which groups still have a live (non-zombie) member, in
 * one pass over /proc for any number of groups, and find the processes that
 * carry a tag in their environment (those that left their worker's group or
 * session, with `setsid` or `detached`). /proc is read through a `ProcFs`
 * (node:fs, or libc over FFI on Deno).
 */
import { nodeProcFs, type ProcFs } from "./_procfs.ts";

type Signal = "SIGTERM" | "SIGKILL" | "SIGINT";

export interface ProcessGroups {
  killGroup(pgid: number, signal: Signal): boolean;
  groupAlive(pgid: number): boolean;
  aliveGroups(pgids: Iterable<number>): Set<number>;
  signalTagged(tags: string | readonly string[], signal: Signal | 0): number;
}

/** Signal every process of group `pgid`; false when no such group exists. */
export function killGroup(pgid: number, signal: Signal): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (cause) {
    return errnoCode(cause) === "EPERM";
  }
}

/** The group and tag functions over `fs`. */
export function processGroups(fs: ProcFs): ProcessGroups {
  /**
   * The groups of `pgids` with a live member. A cheap signal-0 probe first; one
   * /proc pass for those that answered (a group of zombies answers too: an
   * orphaned grandchild stays a zombie until PID 1 reaps it).
   */
  function aliveGroups(pgids: Iterable<number>): Set<number> {
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
    const stats = procStats(fs);
    if (stats === undefined) return answering; // no /proc: trust the probe
    const live = new Set<number>();
    for (const { state, pgrp } of stats) if (answering.has(pgrp) && state !== "Z" && state !== "X") live.add(pgrp);
    return live;
  }

  /**
   * Signal every process whose environment holds one of `tags` (`BENTO_INSTANCE=...`,
   * `BENTO_WORKER_TAG=...`), in one pass over /proc; how many were signalled.
   */
  function signalTagged(tags: string | readonly string[], signal: Signal | 0): number {
    const needles = (typeof tags === "string" ? [tags] : tags).map((tag) => `\0${tag}\0`);
    if (needles.length === 0) return 0;
    let count = 0;
    for (const pid of fs.pids() ?? []) {
      if (pid === process.pid) continue;
      const environ = fs.read(`/proc/${pid}/environ`); // undefined: gone, or not ours to read
      if (environ === undefined) continue;
      const padded = `\0${environ}`;
      if (!needles.some((needle) => padded.includes(needle))) continue;
      try {
        process.kill(pid, signal);
        count++;
      } catch { /* exited meanwhile */ }
    }
    return count;
  }

  return { killGroup, groupAlive: (pgid) => aliveGroups([pgid]).has(pgid), aliveGroups, signalTagged };
}

/** Through node:fs (Node and Bun; Deno with --allow-all). */
export const { groupAlive, aliveGroups, signalTagged } = processGroups(nodeProcFs);

function procStats(fs: ProcFs): { state: string; pgrp: number }[] | undefined {
  const pids = fs.pids();
  if (pids === undefined || pids.length === 0) return undefined;
  const out: { state: string; pgrp: number }[] = [];
  for (const pid of pids) {
    const stat = fs.read(`/proc/${pid}/stat`);
    if (stat === undefined) continue; // exited meanwhile
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
