/**
 * The sampler behind the dashboard's charts: every interval, per pool, the
 * workers' memory and CPU from /proc (`RuntimePort.processStats`) and their
 * request counts and latency histogram from the metrics socket each
 * bento-kit/worker worker already serves for the monitoring plugin
 * (`<run dir>/metrics/<pool>.<id>/metrics.sock`): no second metrics pipeline.
 * It asks for the totals in short (TOTALS_PATH, about 200 bytes; a socket
 * that answers its whole metrics text instead is parsed as that, and one
 * that does not answer that path is asked `/metrics` from then on).
 * Workers without that socket (Python, any binary, --no-metrics) have memory
 * and CPU only. A tick that is still waiting on a socket skips the next one.
 * With more than 64 live workers the sockets are read every ⌈workers / 64⌉
 * ticks (the figures then cover that longer interval and are carried
 * between), at most 64 connections at a time: 1,024 workers cost about as
 * many reads a second as 64. A tick's reads start spread over a twentieth
 * of the interval (100 ms), not at one instant: 64 workers asked together
 * were 64 processes woken at once, every tick. A worker that does not answer
 * (busy in a long prediction) holds no other read back. Each read is one
 * GET (src/unix-get.ts): on a connection kept open per worker while every
 * worker is read on every tick (64 live workers or fewer: the connections
 * are few and asked every 2 s), else on a fresh connection.
 */
import { join } from "node:path";
import type { ServiceControl } from "../core/control.ts";
import type { ProcessStats } from "../core/ports.ts";
import {
  parseRequestTotals,
  parseTotals,
  quantile,
  type RequestTotals,
  sumTotals,
  TOTALS_PATH,
  totalsDelta,
} from "../core/request-figures.ts";
import type { PoolSample, SeriesStore } from "../core/series.ts";
import { metricsSlotName } from "../core/metrics-slot.ts";
import { type KeptGets, keptUnixGets, unixGet } from "../unix-get.ts";

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

/** Sockets read per tick at most. */
const SCRAPES_PER_TICK = 64;

type Figures = Pick<PoolSample, "rate" | "errors" | "p50" | "p99">;
const UNKNOWN: Figures = { rate: null, errors: null, p50: null, p99: null };

interface Previous {
  readonly at: number;
  readonly tick: number;
  readonly cpu: Map<number, number>;
  /** When the sockets were last read, what they said, and the figures computed then (carried until the next read). */
  readonly totalsAt: number;
  readonly totals: Map<number, RequestTotals>;
  readonly figures: Map<string, Figures>;
}

export function startSampler(o: SamplerOptions): Sampler {
  let previous: Previous | undefined;
  let running = false;
  const sockets: Sockets = { kept: keptUnixGets(), textOnly: new Set() };
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      previous = await sample(o, previous, sockets);
    } catch { /* a sample lost; the next tick tries again */ }
    running = false;
  };
  // The first sample at once: it is the baseline the first rate is measured from (requests made
  // before it are in no rate; with the first sample an interval late, a busy first 2 s were lost).
  // It reads no socket: at the start the workers have none yet, and a worker's totals start at 0
  // (the next read counts them whole), where the read cost the supervisor about 12 ms of CPU
  // (node:http's first request) while its workers were starting.
  void tick();
  const timer = setInterval(tick, o.intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    stop() {
      clearInterval(timer);
      sockets.kept.close();
    },
  };
}

/**
 * How the sockets are read: the kept connections, and the workers (pids: a replacement is asked
 * anew) that gave no answer to TOTALS_PATH (of another make, serving their metrics text at
 * `/metrics` only, or late): those are asked `/metrics` from the next tick on.
 */
interface Sockets {
  readonly kept: KeptGets;
  readonly textOnly: Set<number>;
}

async function sample(o: SamplerOptions, previous: Previous | undefined, sockets: Sockets): Promise<Previous> {
  const at = Date.now();
  const tick = (previous?.tick ?? -1) + 1;
  const seconds = previous ? Math.max(0.001, (at - previous.at) / 1000) : 0;
  const pools = o.pools();
  const live = pools.reduce((n, p) => n + p.workers.filter((w) => w.pid !== null).length, 0);
  const every = Math.max(1, Math.ceil(live / SCRAPES_PER_TICK));
  const scrape = o.metricsDir !== undefined && previous !== undefined && tick % every === 0;
  // Beyond 64 live workers, fresh connections: kept ones would hold a descriptor per worker.
  const read = scrape ? await readTotals(o.metricsDir!, pools, o.intervalMs / 2, sockets, every === 1) : undefined;
  const cpu = new Map<number, number>();
  const figures = new Map<string, Figures>();
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
    const f = read && previous ? requestFigures(read[i]!, previous, at) : previous?.figures.get(p.name) ?? UNKNOWN;
    figures.set(p.name, f);
    return { pool: p.name, ...f, rssBytes: rss, cpu: used, workers };
  });
  o.store.record(at, samples);
  const totals = read ? new Map(read.flat().map((r) => [r.pid, r.totals])) : previous?.totals ?? new Map();
  return { at, tick, cpu, totalsAt: read ? at : previous?.totalsAt ?? at, totals, figures };
}

interface Read {
  readonly pid: number;
  readonly totals: RequestTotals;
}

/**
 * Per pool, what each worker's socket says (workers without an answer are left out): on `kept`
 * connections when `keepOpen` (those of workers not asked now are closed), else on fresh ones
 * (every kept one closed); the k-th read starts k gaps after the first, within a tenth of `timeoutMs`.
 */
function readTotals(
  dir: string,
  pools: ReturnType<ServiceControl["pools"]>,
  timeoutMs: number,
  { kept, textOnly }: Sockets,
  keepOpen: boolean,
): Promise<Read[][]> {
  const targets = pools.map((p) =>
    p.workers.flatMap((w) =>
      w.pid === null ? [] : [{ pid: w.pid, path: join(dir, metricsSlotName(p.name, w.id), "metrics.sock") }]
    )
  );
  const all = targets.flat();
  kept.retain(keepOpen ? new Set(all.map((t) => t.path)) : new Set());
  const live = new Set(all.map((t) => t.pid));
  for (const pid of textOnly) if (!live.has(pid)) textOnly.delete(pid);
  const get = keepOpen ? kept.get : unixGet;
  // Read k starts k gaps after the first: the reads spread over a tenth of the timeout (a twentieth of the interval).
  const gap = timeoutMs / 10 / Math.max(1, all.length);
  let k = 0;
  const ask = limited(SCRAPES_PER_TICK, async ({ pid, path }: { pid: number; path: string }) => {
    const short = !textOnly.has(pid);
    const text = await get(path, short ? TOTALS_PATH : "/metrics", timeoutMs);
    if (short && text === undefined) textOnly.add(pid);
    return text;
  });
  return Promise.all(targets.map(async (workers) => {
    const got = await Promise.all(workers.map(async ({ pid, path }) => {
      const nth = k++;
      if (nth > 0) await new Promise((r) => setTimeout(r, nth * gap));
      const text = await ask({ pid, path });
      return text === undefined ? undefined : { pid, totals: parseTotals(text) ?? parseRequestTotals(text) };
    }));
    return got.filter((r): r is Read => r !== undefined);
  }));
}

/** `fn`, with at most `n` calls in flight; the rest wait their turn in call order. */
function limited<A, R>(n: number, fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (arg) => {
    // A finished call hands its slot to the first waiting one.
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    else running += 1;
    try {
      return await fn(arg);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/** A pool's rates and quantiles between the previous read and this one; unknown when no worker answered. */
function requestFigures(read: readonly Read[], previous: Previous, at: number): Figures {
  if (read.length === 0) return UNKNOWN;
  const seconds = Math.max(0.001, (at - previous.totalsAt) / 1000);
  const sum = sumTotals(read.map((r) => totalsDelta(previous.totals.get(r.pid), r.totals)));
  return {
    rate: sum.requests / seconds,
    errors: sum.errors / seconds,
    p50: quantile(0.5, sum.buckets),
    p99: quantile(0.99, sum.buckets),
  };
}
