/**
 * Memory and CPU time of a process from Linux's /proc (node:fs, so the same
 * code serves Node, Bun and Deno). Elsewhere, or for a process that is gone,
 * there is nothing to tell: undefined. Readings are kept for a second: an
 * admin client polling `/v1/pools` of a 64-worker pool every 100 ms would
 * otherwise cost the supervisor 128 file reads per poll.
 */
import { readFileSync } from "node:fs";
import type { ProcessStats } from "../../core/ports.ts";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream Linux). */
const CLOCK_TICKS = 100;

const FRESH_MS = 1000;
const cache = new Map<number, { readonly at: number; readonly stats: ProcessStats | undefined }>();

export function readProcessStats(pid: number): ProcessStats | undefined {
  const now = Date.now();
  const hit = cache.get(pid);
  if (hit && now - hit.at < FRESH_MS) return hit.stats;
  if (cache.size > 4096) { for (const [k, v] of cache) if (now - v.at >= FRESH_MS) cache.delete(k); }
  const stats = readNow(pid);
  cache.set(pid, { at: now, stats });
  return stats;
}

function readNow(pid: number): ProcessStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (!Number.isFinite(ticks)) return undefined;
    return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}
