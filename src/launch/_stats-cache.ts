/**
 * A worker's memory and CPU as the admin API shows them, read from /proc at
 * most once per `ttlMs` per worker. `GET /v1/pools` read them for every worker
 * at every request: with 64 workers saturating the CPUs that was most of its
 * time (bench/admin-load.ts), and a client polling it (the CLI's `watch`, a
 * monitoring script) made the supervisor read /proc in a loop.
 */
import type { ProcessStats } from "../core/ports.ts";

type Stats = (pid: number) => ProcessStats | undefined;

export function cachedStats(read: Stats, ttlMs: number, now: () => number = Date.now): Stats {
  const cache = new Map<number, { at: number; stats: ProcessStats | undefined }>();
  let sweptAt = now();
  return (pid) => {
    const t = now();
    if (t - sweptAt > 10 * ttlMs) {
      // Replaced workers' pids go: the cache holds about the live workers.
      for (const [p, entry] of cache) if (t - entry.at > ttlMs) cache.delete(p);
      sweptAt = t;
    }
    const hit = cache.get(pid);
    if (hit && t - hit.at < ttlMs) return hit.stats;
    const stats = read(pid);
    cache.set(pid, { at: t, stats });
    return stats;
  };
}
