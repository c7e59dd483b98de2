/**
 * A worker's memory and CPU as the admin API shows them, read from /proc off
 * the request path. `GET /v1/pools` read them for every worker at every
 * request: with 64 workers saturating the CPUs that was most of its time
 * (bench/admin-load.ts), and a client polling it (the CLI's `watch`, a
 * monitoring script) made the supervisor read /proc in a loop. Then, cached
 * for a second, the request that found them expired read all 64: about one
 * request in a hundred under that benchmark's polling, which made its p99.
 *
 * Now a request reads /proc only for a worker it has never seen; a timer
 * refreshes the rest in slices (a quarter of the workers every quarter of
 * `ttlMs`, the oldest first), so a figure is at most about twice `ttlMs` old.
 * A worker nobody asked about for IDLE_MS is dropped, and with none left the
 * timer stops: an admin API nobody reads costs nothing.
 */
import type { ProcessStats } from "../core/ports.ts";
import { unrefTimer } from "../timer.ts";

type Stats = (pid: number) => ProcessStats | undefined;

/** Slices of the workers refreshed per `ttlMs`. */
const SLICES = 4;
/** A worker not asked about for this long is no longer refreshed. */
const IDLE_MS = 10_000;

interface Entry {
  readonly at: number;
  askedAt: number;
  readonly stats: ProcessStats | undefined;
}

export interface CachedStats {
  readonly stats: Stats;
  /** One refresh step, as the timer takes it (for tests). */
  refresh(): void;
  close(): void;
}

export function cachedStats(read: Stats, ttlMs: number, now: () => number = Date.now): CachedStats {
  // In the order of their reads: the oldest first.
  const cache = new Map<number, Entry>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const refresh = () => {
    const t = now();
    let budget = Math.ceil(cache.size / SLICES);
    for (const [pid, entry] of cache) {
      if (t - entry.askedAt > IDLE_MS) {
        cache.delete(pid);
        continue;
      }
      if (budget === 0 || t - entry.at < ttlMs) continue;
      budget -= 1;
      cache.delete(pid);
      cache.set(pid, { at: t, askedAt: entry.askedAt, stats: read(pid) });
    }
    if (cache.size === 0) stop();
  };
  return {
    stats(pid) {
      const t = now();
      const hit = cache.get(pid);
      if (hit) {
        hit.askedAt = t;
        return hit.stats;
      }
      const stats = read(pid);
      cache.set(pid, { at: t, askedAt: t, stats });
      timer ??= unrefTimer(setInterval(refresh, ttlMs / SLICES));
      return stats;
    },
    refresh,
    close: stop,
  };
}
