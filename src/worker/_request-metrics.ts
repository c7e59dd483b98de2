/**
 * BentoML's three HTTP metrics of a worker (request total, duration
 * histogram, in progress), counted in plain numbers on the request path and
 * rendered by prom-client's registry at scrape time, beside the user's own
 * metrics (registered in it with `registerIn`: prom-client need not be
 * loaded before the first scrape). prom-client's own Counter, Histogram and Gauge hash the label set
 * on every `inc` and `observe`, also through a `labels()` child (about 3-5 µs
 * per request in an iris worker's CPU profile); here a request costs two map
 * lookups and a few additions.
 */
import type { Registry } from "prom-client";
import type { RequestTotals } from "../core/request-figures.ts";

type Labels = Readonly<Record<string, string>>;

/** A series of the duration histogram (and of the request total: same labels). */
interface Series {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  readonly buckets: number[];
}

/** A metric as prom-client's registry renders it (`get()` is what it calls). */
interface Collected {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: "sum" }>;
  reset(): void;
}

interface Value {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

export interface RequestMetrics {
  /** A request to `endpoint` began. */
  started(endpoint: string): void;
  /** It ended with `status` after `seconds`. */
  ended(endpoint: string, status: number, seconds: number): void;
  /** Every series summed: what the metrics text says in all (the dashboard's sampler reads this). */
  totals(): RequestTotals;
  /** Registers the three metrics in `registry` (prom-client's), which renders them. */
  registerIn(registry: Registry): void;
}

/** The three metrics `${ns}_request_*`; `base`: the labels every series carries. */
export function createRequestMetrics(
  ns: string,
  base: Labels,
  buckets: readonly number[],
): RequestMetrics {
  const series = new Map<string, Map<number, Series>>();
  const inProgress = new Map<string, number>();
  const seriesOf = (endpoint: string, status: number): Series => {
    let byStatus = series.get(endpoint);
    if (!byStatus) series.set(endpoint, byStatus = new Map());
    let s = byStatus.get(status);
    if (!s) {
      const labels = { ...base, endpoint, http_response_code: String(status) };
      byStatus.set(status, s = { labels, count: 0, sum: 0, buckets: new Array(buckets.length + 1).fill(0) });
    }
    return s;
  };
  const all = (): Series[] => [...series.values()].flatMap((byStatus) => [...byStatus.values()]);
  const reset = () => (series.clear(), inProgress.clear());

  const metric = (
    name: string,
    help: string,
    type: Collected["type"],
    values: () => Value[],
  ): Collected => ({
    name,
    help,
    type,
    aggregator: "sum",
    get: () => Promise.resolve({ name, help, type, values: values(), aggregator: "sum" }),
    reset,
  });
  const le = [...buckets.map(String), "+Inf"];
  const collected = [
    metric(
      `${ns}_request_total`,
      "Total number of HTTP requests",
      "counter",
      () => all().map((s) => ({ labels: s.labels, value: s.count })),
    ),
    metric(
      `${ns}_request_duration_seconds`,
      "HTTP request duration in seconds",
      "histogram",
      () =>
        all().flatMap((s) => {
          let cumulative = 0;
          const name = `${ns}_request_duration_seconds`;
          return [
            ...s.buckets.map((n, i) => ({
              labels: { le: le[i]!, ...s.labels },
              value: cumulative += n,
              metricName: `${name}_bucket`,
            })),
            { labels: s.labels, value: s.sum, metricName: `${name}_sum` },
            { labels: s.labels, value: s.count, metricName: `${name}_count` },
          ];
        }),
    ),
    metric(
      `${ns}_request_in_progress`,
      "Number of HTTP requests in progress",
      "gauge",
      () => [...inProgress].map(([endpoint, n]) => ({ labels: { ...base, endpoint }, value: n })),
    ),
  ];

  return {
    registerIn(registry) {
      for (const m of collected) registry.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
    },
    started(endpoint) {
      inProgress.set(endpoint, (inProgress.get(endpoint) ?? 0) + 1);
    },
    ended(endpoint, status, seconds) {
      inProgress.set(endpoint, (inProgress.get(endpoint) ?? 1) - 1);
      const s = seriesOf(endpoint, status);
      s.count += 1;
      s.sum += seconds;
      let i = 0;
      while (i < buckets.length && seconds > buckets[i]!) i++;
      s.buckets[i]! += 1;
    },
    totals() {
      let requests = 0;
      let errors = 0;
      const perBucket: number[] = new Array(buckets.length + 1).fill(0);
      for (const byStatus of series.values()) {
        for (const [status, s] of byStatus) {
          requests += s.count;
          if (status >= 500 && status < 600) errors += s.count;
          s.buckets.forEach((n, i) => (perBucket[i]! += n));
        }
      }
      const cumulative = new Map<number, number>();
      let sum = 0;
      perBucket.forEach((n, i) => cumulative.set(i < buckets.length ? buckets[i]! : Infinity, sum += n));
      return { requests, errors, buckets: cumulative };
    },
  };
}
