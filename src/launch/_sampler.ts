/**
 * The sampler behind the dashboard's charts: every interval, per pool, the
 * workers' memory and CPU from /proc (`RuntimePort.processStats`) and their
 * request counts and latency histogram from the metrics socket each
 * bento-kit/worker worker already serves for the monitoring plugin
 * (`<run dir>/metrics/<pool>.<id>/metrics.sock`): no second metrics pipeline.
 * Workers without that socket (Python, any binary, --no-metrics) have memory
 * and CPU only. A tick that is still waiting on a socket skips the next one.
 */
import { request } from "node:http";
import { join } from "node:path";
import type { ServiceControl } from "../core/control.ts";
import type { ProcessStats } from "../core/ports.ts";
import { parseRequestTotals, quantile, type RequestTotals, sumTotals, totalsDelta } from "../core/request-figures.ts";
import type { PoolSample, SeriesStore } from "../core/series.ts";

export interface SamplerOptions {
  readonly pools: ServiceControl["pools"];
  readonly stats: ((pid: number) => ProcessStats | undefined) | undefined;
  /** The instance's metrics directory, when the monitoring plugin is on. */
  readonly metricsDir: string | undefined;
  readonly store: SeriesStore;
  readonly intervalMs: number;
}

export interface Sampler {
  stop(): void;
}

interface Previous {
  readonly at: number;
  readonly cpu: Map<number, number>;
  readonly totals: Map<number, RequestTotals>;
}

export function startSampler(o: SamplerOptions): Sampler {
  let previous: Previous | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      previous = await sample(o, previous);
    } catch { /* a sample lost; the next tick tries again */ }
    running = false;
  };
  const timer = setInterval(tick, o.intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return { stop: () => clearInterval(timer) };
}

async function sample(o: SamplerOptions, previous: Previous | undefined): Promise<Previous> {
  const at = Date.now();
  const seconds = previous ? Math.max(0.001, (at - previous.at) / 1000) : 0;
  const cpu = new Map<number, number>();
  const totals = new Map<number, RequestTotals>();
  const pools = o.pools();
  const reads = pools.map((p) =>
    Promise.all(p.workers.map(async (w) => {
      if (w.pid === null || o.metricsDir === undefined) return undefined;
      const text = await askSocket(join(o.metricsDir, slotName(p.name, w.id), "metrics.sock"), o.intervalMs / 2);
      return text === undefined ? undefined : { pid: w.pid, totals: parseRequestTotals(text) };
    }))
  );
  const read = await Promise.all(reads);
  const samples: PoolSample[] = pools.map((p, i) => {
    const workers = new Map<number, number>();
    let rss: number | null = null;
    let used: number | null = null;
    for (const w of p.workers) {
      const s = w.pid === null ? undefined : o.stats?.(w.pid);
      if (!s || w.pid === null) continue;
      workers.set(w.id, s.rssBytes);
      rss = (rss ?? 0) + s.rssBytes;
      cpu.set(w.pid, s.cpuSeconds);
      const before = previous?.cpu.get(w.pid);
      if (before !== undefined) used = (used ?? 0) + Math.max(0, s.cpuSeconds - before) / seconds;
    }
    const deltas: RequestTotals[] = [];
    for (const r of read[i]!) {
      if (!r) continue;
      totals.set(r.pid, r.totals);
      if (previous) deltas.push(totalsDelta(previous.totals.get(r.pid), r.totals));
    }
    const sum = deltas.length ? sumTotals(deltas) : undefined;
    return {
      pool: p.name,
      rate: sum ? sum.requests / seconds : null,
      errors: sum ? sum.errors / seconds : null,
      p50: sum ? quantile(0.5, sum.buckets) : null,
      p99: sum ? quantile(0.99, sum.buckets) : null,
      rssBytes: rss,
      cpu: used,
      workers,
    };
  });
  o.store.record(at, samples);
  return { at, cpu, totals };
}

/** The slot directory of a worker, as the monitoring plugin names it. */
function slotName(pool: string, workerId: number): string {
  return `${pool.replace(/\//g, "_")}.${workerId}`;
}

/** GET /metrics on a worker's socket; undefined when there is none, or no answer within `timeoutMs`. */
function askSocket(socketPath: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/metrics", agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString("utf8") : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
