/**
 * The dashboard's time series: per pool, one sample every interval (request
 * rate, 5xx rate, latency p50/p99, memory, CPU, and memory per worker) for
 * the last `capacity` intervals. Bounded by construction: every column is a
 * ring of `capacity` 32-bit floats allocated when its pool (or worker id) is
 * first seen, at most `maxPools` pools and `maxWorkers` worker columns per
 * pool; later ones are not kept. Recording overwrites the oldest sample.
 * Values are answered with 6 significant digits (what a float keeps, and a
 * chart shows).
 */

/** One pool at one instant, as the sampler measured it. Null: not known (no requests, no /proc). */
export interface PoolSample {
  readonly pool: string;
  /** Requests answered per second over the interval. */
  readonly rate: number | null;
  /** Responses with a 5xx status per second over the interval. */
  readonly errors: number | null;
  /** Latency quantiles of the interval's requests, seconds. */
  readonly p50: number | null;
  readonly p99: number | null;
  /** Resident memory of the pool's workers, summed (bytes). */
  readonly rssBytes: number | null;
  /** CPU cores the pool's workers used over the interval (1 = one core busy). */
  readonly cpu: number | null;
  /** Resident memory per worker id. */
  readonly workers: ReadonlyMap<number, number>;
}

const COLUMNS = ["rate", "errors", "p50", "p99", "rssBytes", "cpu"] as const;
type Column = typeof COLUMNS[number];

export interface PoolSeriesJson {
  readonly name: string;
  /** One value per entry of `t`; null where unknown. */
  readonly rate: (number | null)[];
  readonly errors: (number | null)[];
  readonly p50: (number | null)[];
  readonly p99: (number | null)[];
  readonly rssBytes: (number | null)[];
  readonly cpu: (number | null)[];
  readonly workers: { readonly id: number; readonly rssBytes: (number | null)[] }[];
}

export interface SeriesJson {
  readonly intervalMs: number;
  readonly capacity: number;
  /** Epoch ms of each sample, oldest first. */
  readonly t: number[];
  readonly pools: PoolSeriesJson[];
}

export interface SeriesStore {
  /** One sample of every pool, taken at `at` (epoch ms). */
  record(at: number, samples: readonly PoolSample[]): void;
  /** The samples after `after` (epoch ms; all kept when undefined). */
  since(after?: number): SeriesJson;
  subscribe(listener: (at: number) => void): () => void;
}

export interface SeriesOptions {
  readonly intervalMs: number;
  readonly capacity: number;
  readonly maxPools?: number;
  readonly maxWorkers?: number;
}

/** 15 minutes at one sample every 2 s. */
export const SERIES_DEFAULTS = { intervalMs: 2000, capacity: 450, maxPools: 32, maxWorkers: 16 } as const;

interface PoolRing {
  readonly columns: Record<Column, Float32Array>;
  readonly workers: Map<number, Float32Array>;
}

export function createSeriesStore(o: SeriesOptions): SeriesStore {
  const capacity = o.capacity;
  const maxPools = o.maxPools ?? SERIES_DEFAULTS.maxPools;
  const maxWorkers = o.maxWorkers ?? SERIES_DEFAULTS.maxWorkers;
  const times = new Float64Array(capacity);
  const pools = new Map<string, PoolRing>();
  const listeners = new Set<(at: number) => void>();
  let count = 0; // samples recorded, ever
  const ring = () => new Float32Array(capacity).fill(NaN);

  function poolRing(name: string): PoolRing | undefined {
    let p = pools.get(name);
    if (!p && pools.size < maxPools) {
      const columns = Object.fromEntries(COLUMNS.map((c) => [c, ring()])) as Record<Column, Float32Array>;
      pools.set(name, p = { columns, workers: new Map() });
    }
    return p;
  }

  return {
    record(at, samples) {
      const slot = count % capacity;
      times[slot] = at;
      for (const p of pools.values()) {
        for (const c of COLUMNS) p.columns[c][slot] = NaN;
        for (const w of p.workers.values()) w[slot] = NaN;
      }
      for (const s of samples) {
        const p = poolRing(s.pool);
        if (!p) continue;
        for (const c of COLUMNS) p.columns[c][slot] = s[c] ?? NaN;
        for (const [id, rss] of s.workers) {
          let w = p.workers.get(id);
          if (!w && p.workers.size < maxWorkers) p.workers.set(id, w = ring());
          if (w) w[slot] = rss;
        }
      }
      count++;
      for (const listener of listeners) listener(at);
    },
    since(after) {
      const kept = Math.min(count, capacity);
      const slots: number[] = [];
      for (let i = count - kept; i < count; i++) {
        const slot = i % capacity;
        if (after === undefined || times[slot]! > after) slots.push(slot);
      }
      const pick = (a: Float32Array) => slots.map((s) => (Number.isNaN(a[s]!) ? null : Number(a[s]!.toPrecision(6))));
      return {
        intervalMs: o.intervalMs,
        capacity,
        t: slots.map((s) => times[s]!),
        pools: [...pools].map(([name, p]) => ({
          name,
          ...Object.fromEntries(COLUMNS.map((c) => [c, pick(p.columns[c])])) as Record<Column, (number | null)[]>,
          workers: [...p.workers].sort((a, b) => a[0] - b[0]).map(([id, w]) => ({ id, rssBytes: pick(w) })),
        })),
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
