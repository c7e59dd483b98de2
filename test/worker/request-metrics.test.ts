/**
 * The worker's request metrics (src/worker/_request-metrics.ts) render as
 * prom-client's own Counter, Histogram and Gauge would for the same requests:
 * the same text, byte for byte, from prom-client's registry. Their totals in
 * short (what the dashboard's sampler reads) say what that text says.
 */
import { expect, test } from "bun:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { createRequestMetrics, type RequestMetrics } from "../../src/worker/_request-metrics.ts";
import { formatTotals, parseRequestTotals, parseTotals } from "../../src/core/request-figures.ts";
import { DURATION_BUCKETS } from "../../src/worker/_metrics-worker.ts";

const NS = "bentoml_runner";

/** `metrics`, registered in `registry` (the worker does so at its first scrape). */
function withRegistry(metrics: RequestMetrics, registry: Registry): RequestMetrics {
  metrics.registerIn(registry);
  return metrics;
}
const BASE = { service_name: "iris_classifier", runner_name: "iris" };

function promClientOf(registry: Registry) {
  const names = [...Object.keys(BASE), "endpoint"];
  const total = new Counter({
    name: `${NS}_request_total`,
    help: "Total number of HTTP requests",
    labelNames: [...names, "http_response_code"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${NS}_request_duration_seconds`,
    help: "HTTP request duration in seconds",
    labelNames: [...names, "http_response_code"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inProgress = new Gauge({
    name: `${NS}_request_in_progress`,
    help: "Number of HTTP requests in progress",
    labelNames: names,
    registers: [registry],
  });
  return {
    started: (endpoint: string) => inProgress.inc({ ...BASE, endpoint }),
    ended(endpoint: string, status: number, seconds: number) {
      inProgress.dec({ ...BASE, endpoint });
      const labels = { ...BASE, endpoint, http_response_code: String(status) };
      total.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}

/** Durations on a bucket's bound (counted in it), between bounds, past the last one; endpoints and statuses mixed. */
const REQUESTS: [string, number, number][] = [
  ["/predict", 200, 0.005],
  ["/predict", 200, 0.0051],
  ["/predict", 500, 0.3],
  ["/readyz", 200, 0.0001],
  ["/predict", 200, 10],
  ["/predict", 200, 12.5],
  ["/other", 404, 1],
];

test("the same requests give prom-client's text, byte for byte: buckets at their bounds, sums, in progress", async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const both = [promClientOf(theirs), withRegistry(createRequestMetrics(NS, BASE, DURATION_BUCKETS), ours)];
  for (const m of both) {
    for (const [endpoint, status, seconds] of REQUESTS) {
      m.started(endpoint);
      m.ended(endpoint, status, seconds);
    }
    m.started("/slow"); // still in progress
  }
  const text = await ours.metrics();
  expect(text).toBe(await theirs.metrics());
  expect(text).toContain(`${NS}_request_duration_seconds_bucket{le="0.005",`);
  expect(text).toContain(
    `${NS}_request_in_progress{service_name="iris_classifier",runner_name="iris",endpoint="/slow"} 1`,
  );
});

test("the totals in short (TOTALS_PATH) are what the metrics text says, read back whole; a metrics text is not them", async () => {
  const registry = new Registry();
  const metrics = withRegistry(createRequestMetrics(NS, BASE, DURATION_BUCKETS), registry);
  expect(parseTotals(formatTotals(metrics.totals()))).toEqual({ requests: 0, errors: 0, buckets: expect.any(Map) });
  for (const [endpoint, status, seconds] of [...REQUESTS, ["/predict", 503, 0.02] as const]) {
    metrics.started(endpoint);
    metrics.ended(endpoint, status, seconds);
  }
  const text = await registry.metrics();
  const short = formatTotals(metrics.totals());
  expect(parseTotals(short)).toEqual(parseRequestTotals(text));
  expect(parseTotals(short)).toMatchObject({ requests: 8, errors: 2 });
  expect(short.length).toBeLessThan(text.length / 5);
  expect(parseTotals(text)).toBeUndefined();
  expect(parseTotals("requests 3\nerrors x\n")).toBeUndefined();
});
