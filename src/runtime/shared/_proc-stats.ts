/**
 * Memory and CPU time of a process from Linux's /proc (through a `ProcFs`:
 * node:fs, or libc over FFI on Deno). Elsewhere, or for a process that is gone,
 * there is nothing to tell: undefined. Readings are kept for a second: an
 * admin client polling `/v1/pools` of a 64-worker pool every 100 ms would
 * otherwise cost the supervisor 128 file reads per poll.
 */
import type { ProcessStats } from "../../core/ports.ts";
import { nodeProcFs, type ProcFs } from "./_procfs.ts";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream Linux). */
const CLOCK_TICKS = 100;

const FRESH_MS = 1000;

/** `processStats` over `fs`, with its own one-second cache. */
export function procStatsReader(fs: ProcFs): (pid: number) => ProcessStats | undefined {
  const cache = new Map<number, { readonly at: number; readonly stats: ProcessStats | undefined }>();
  return (pid) => {
    const now = Date.now();
    const hit = cache.get(pid);
    if (hit && now - hit.at < FRESH_MS) return hit.stats;
    if (cache.size > 4096) { for (const [k, v] of cache) if (now - v.at >= FRESH_MS) cache.delete(k); }
    const stats = readNow(fs, pid);
    cache.set(pid, { at: now, stats });
    return stats;
  };
}

export const readProcessStats = procStatsReader(nodeProcFs);

function readNow(fs: ProcFs, pid: number): ProcessStats | undefined {
  const stat = fs.read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name, which sits in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  if (!Number.isFinite(ticks)) return undefined;
  const status = fs.read(`/proc/${pid}/status`);
  if (status === undefined) return undefined; // exited meanwhile
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, cpuSeconds: ticks / CLOCK_TICKS };
}
