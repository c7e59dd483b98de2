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

const PREFIXES = ["bentoml_api_server_request_", "bentoml_runner_request_"] as const;
const TOTAL = "total{";
const BUCKET = "duration_seconds_bucket{";

/**
 * One pass over the text with indexOf, no split and no regular expression: the
 * sampler parses every worker's text every 2 s, and the lines it needs are a
 * few of each text's dozens; a line is sliced only for the numbers it holds.
 */
export function parseRequestTotals(text: string): RequestTotals {
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (let at = 0, end = 0; at < text.length; at = end + 1) {
    end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    if (!text.startsWith("bentoml_", at)) continue;
    const prefix = text.startsWith(PREFIXES[0], at)
      ? PREFIXES[0]
      : text.startsWith(PREFIXES[1], at)
      ? PREFIXES[1]
      : undefined;
    if (prefix === undefined) continue;
    const rest = at + prefix.length;
    const total = text.startsWith(TOTAL, rest);
    if (!total && !text.startsWith(BUCKET, rest)) continue;
    const open = rest + (total ? TOTAL.length : BUCKET.length);
    const close = text.indexOf("}", open);
    if (close < 0 || close > end || text.charCodeAt(close + 1) !== 32) continue;
    const valueEnd = wordEnd(text, close + 2, end);
    const value = Number(text.slice(close + 2, valueEnd));
    if (valueEnd === close + 2 || !Number.isFinite(value)) continue;
    if (total) {
      requests += value;
      if (label(text, "http_response_code", open, close)?.startsWith("5")) errors += value;
    } else {
      const le = label(text, "le", open, close);
      const bound = le === "+Inf" ? Infinity : Number(le);
      if (le !== undefined && !Number.isNaN(bound)) buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  return { requests, errors, buckets };
}

/** Where the word starting at `from` ends (a space, tab or CR, or `end`). */
function wordEnd(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && text.charCodeAt(i) > 32) i++;
  return i;
}

/** A label's (non-empty) value among the labels between `open` and `close`. */
function label(text: string, name: string, open: number, close: number): string | undefined {
  for (let i = text.indexOf(`${name}="`, open); i >= 0 && i < close; i = text.indexOf(`${name}="`, i + 1)) {
    if (i !== open && text[i - 1] !== ",") continue; // the end of a longer label's name
    const from = i + name.length + 2;
    const to = text.indexOf('"', from);
    return to > from && to < close ? text.slice(from, to) : undefined;
  }
  return undefined;
}

/**
 * The path of a bento-kit/worker worker's metrics socket that answers its
 * totals in short (formatTotals), for the dashboard's sampler: some 200 bytes
 * where its whole metrics text is kilobytes, read and parsed every 2 s. A
 * socket that answers every path with its metrics text (the gRPC workers'
 * and metrics server's, an older worker's) answers this one so too: the
 * sampler then parses that (parseRequestTotals).
 */
export const TOTALS_PATH = "/request-totals";

/** `requests N`, `errors N`, then `<le> <cumulative count>` per bucket, `+Inf` last: what parseTotals reads. */
export function formatTotals(t: RequestTotals): string {
  let text = `requests ${t.requests}\nerrors ${t.errors}\n`;
  t.buckets.forEach((n, le) => (text += `${le === Infinity ? "+Inf" : le} ${n}\n`));
  return text;
}

/** formatTotals's text read back (line by line with indexOf, as parseRequestTotals); undefined for anything else (a metrics text). */
export function parseTotals(text: string): RequestTotals | undefined {
  if (!text.startsWith("requests ")) return undefined;
  let requests = NaN;
  let errors = NaN;
  const buckets = new Map<number, number>();
  for (let at = 0, end = 0, line = 0; at < text.length; at = end + 1, line++) {
    end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const space = text.indexOf(" ", at);
    if (space < 0 || space > end) return undefined;
    const value = Number(text.slice(space + 1, end));
    if (!Number.isFinite(value)) return undefined;
    if (line === 0) requests = value;
    else if (line === 1 && text.startsWith("errors ", at)) errors = value;
    else if (line === 1) return undefined;
    else {
      const bound = text.startsWith("+Inf ", at) ? Infinity : Number(text.slice(at, space));
      if (Number.isNaN(bound)) return undefined;
      buckets.set(bound, value);
    }
  }
  return Number.isFinite(errors) ? { requests, errors, buckets } : undefined;
}

/** What happened between two readings of the same worker (a restarted worker counts from zero). */
export function totalsDelta(before: RequestTotals | undefined, after: RequestTotals): RequestTotals {
  if (!before || after.requests < before.requests) return after;
  const buckets = new Map<number, number>();
  // forEach, not for-of: no [key, value] array per entry (this runs per worker every 2 s).
  after.buckets.forEach((n, le) => buckets.set(le, Math.max(0, n - (before.buckets.get(le) ?? 0))));
  return { requests: after.requests - before.requests, errors: after.errors - before.errors, buckets };
}

export function sumTotals(all: readonly RequestTotals[]): RequestTotals {
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors = 0;
  for (const t of all) {
    requests += t.requests;
    errors += t.errors;
    t.buckets.forEach((n, le) => buckets.set(le, (buckets.get(le) ?? 0) + n));
  }
  return { requests, errors, buckets };
}

/** Prometheus's histogram_quantile over cumulative buckets: linear within a bucket; null without requests. */
export function quantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const highest = bounds.at(-1);
  const total = highest === undefined ? 0 : buckets.get(highest) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const le of bounds) {
    const n = buckets.get(le)!;
    if (n >= rank) {
      if (le === Infinity) return lowerBound; // past the highest finite bucket: its bound, as Prometheus
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / Math.max(n - lowerCount, 1e-9));
    }
    lowerBound = le;
    lowerCount = n;
  }
  return lowerBound;
}
