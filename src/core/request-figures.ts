/**
 * Request figures from a worker's metrics text (the `bentoml_api_server_*` and
 * `bentoml_runner_*` series bento-kit/worker keeps for the monitoring plugin),
 * and what two readings tell: requests, 5xx responses and latency quantiles
 * over the interval between them. Pure: the sampler fetches the text.
 */

/** Cumulative counts in one worker since it started. */
export interface RequestTotals {
  readonly requests: number;
  readonly errors: number;
  /** Cumulative histogram: upper bound (seconds, Infinity last) → requests at or under it. */
  readonly buckets: ReadonlyMap<number, number>;
}

const LINE = /^bentoml_(?:api_server|runner)_request_(total|duration_seconds_bucket)\{([^}]*)\} (\S+)/;
const CODE = /http_response_code="(\d+)"/;
const LE = /le="([^"]+)"/;

export function parseRequestTotals(text: string): RequestTotals {
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("bentoml_")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === "total") {
      requests += value;
      if ((CODE.exec(m[2]!)?.[1] ?? "").startsWith("5")) errors += value;
    } else {
      const le = LE.exec(m[2]!)?.[1];
      const bound = le === "+Inf" ? Infinity : Number(le);
      if (!Number.isNaN(bound)) buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  return { requests, errors, buckets };
}

/** What happened between two readings of the same worker (a restarted worker counts from zero). */
export function totalsDelta(before: RequestTotals | undefined, after: RequestTotals): RequestTotals {
  if (!before || after.requests < before.requests) return after;
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, Math.max(0, n - (before.buckets.get(le) ?? 0)));
  return { requests: after.requests - before.requests, errors: after.errors - before.errors, buckets };
}

export function sumTotals(all: readonly RequestTotals[]): RequestTotals {
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors = 0;
  for (const t of all) {
    requests += t.requests;
    errors += t.errors;
    for (const [le, n] of t.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  }
  return { requests, errors, buckets };
}

/** Prometheus's histogram_quantile over cumulative buckets: linear within a bucket; null without requests. */
export function quantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, n] of sorted) {
    if (n >= rank) {
      if (le === Infinity) return lowerBound; // past the highest finite bucket: its bound, as Prometheus
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / Math.max(n - lowerCount, 1e-9));
    }
    lowerBound = le;
    lowerCount = n;
  }
  return lowerBound;
}
