/**
 * The dashboard's time series without processes: the ring store stays within
 * its capacity and its pool and worker caps whatever is recorded, request
 * figures and quantiles come out of a worker's metrics text as Prometheus
 * would compute them, and the routes answer (400 on a bad `since`, 404 with
 * the charts off). The sampler against real workers is in dashboard.test.ts.
 */
import { expect, test } from "bun:test";
import { createAdminApp } from "../../src/admin/app.ts";
import { parseRequestTotals, quantile, sumTotals, totalsDelta } from "../../src/core/request-figures.ts";
import { createSeriesStore, type PoolSample } from "../../src/core/series.ts";
import { createFakeControl, fakeServiceInfo } from "./_fake-control.ts";

const sample = (pool: string, rate: number, workers: [number, number][] = []): PoolSample => ({
  pool,
  rate,
  errors: 0,
  p50: null,
  p99: null,
  rssBytes: 100,
  cpu: 0.5,
  workers: new Map(workers),
});

test("the store keeps the last `capacity` samples, at most maxPools pools and maxWorkers workers each", () => {
  const store = createSeriesStore({ intervalMs: 2000, capacity: 5, maxPools: 2, maxWorkers: 3 });
  for (let i = 1; i <= 12; i++) {
    const workers: [number, number][] = Array.from({ length: 10 }, (_, k) => [k + 1, i * 10 + k]);
    store.record(i * 1000, [sample("a", i, workers), sample("b", -i), sample(`c${i}`, i)]);
  }
  const all = store.since();
  expect(all.t).toEqual([8000, 9000, 10000, 11000, 12000]);
  expect(all.pools.map((p) => p.name)).toEqual(["a", "b"]);
  expect(all.pools[0]!.rate).toEqual([8, 9, 10, 11, 12]);
  expect(all.pools[0]!.workers.map((w) => w.id)).toEqual([1, 2, 3]);
  expect(all.pools[0]!.workers[2]!.rssBytes).toEqual([82, 92, 102, 112, 122]);
  expect(store.since(10000).t).toEqual([11000, 12000]);
  // A pool missing from a sample has a gap there, not a stale value.
  store.record(13000, [sample("b", 1)]);
  expect(store.since(12000).pools[0]!.rate).toEqual([null]);
});

const METRICS = `# HELP bentoml_api_server_request_total Total number of HTTP requests
bentoml_api_server_request_total{service_name="iris",endpoint="/classify",http_response_code="200"} 90
bentoml_api_server_request_total{service_name="iris",endpoint="/classify",http_response_code="503"} 10
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="200",le="0.01"} 50
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="200",le="0.1"} 90
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="200",le="+Inf"} 90
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="503",le="0.01"} 10
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="503",le="0.1"} 10
bentoml_api_server_request_duration_seconds_bucket{endpoint="/classify",http_response_code="503",le="+Inf"} 10
process_resident_memory_bytes 1234
`;

test("request figures: totals, 5xx, deltas across a restart, and histogram quantiles as Prometheus computes them", () => {
  const t = parseRequestTotals(METRICS);
  expect(t.requests).toBe(100);
  expect(t.errors).toBe(10);
  expect(t.buckets.get(0.01)).toBe(60);
  expect(quantile(0.5, t.buckets)).toBeCloseTo(0.01 * (50 / 60));
  expect(quantile(0.99, t.buckets)).toBeCloseTo(0.01 + 0.09 * (39 / 40));
  expect(quantile(0.5, new Map())).toBeNull();
  const later = parseRequestTotals(METRICS.replace(" 90\n", " 190\n"));
  expect(totalsDelta(t, later).requests).toBe(100);
  // A replacement worker counts from zero: its whole count is the interval's.
  expect(totalsDelta(later, t).requests).toBe(100);
  expect(sumTotals([t, t]).buckets.get(Infinity)).toBe(200);
  // A label is matched by its whole name (not the end of `handle`), a line without a value is skipped.
  const odd = parseRequestTotals(
    'bentoml_runner_request_duration_seconds_bucket{handle="3",le="0.5"} 4 1796591290000\r\n' +
      'bentoml_runner_request_total{http_response_code="500"}\nbentoml_runner_request_total{http_response_code="502"} 2',
  );
  expect([...odd.buckets]).toEqual([[0.5, 4]]);
  expect([odd.requests, odd.errors]).toEqual([2, 2]);
});

test("GET /v1/series answers the samples, 400 on a bad since, 404 with the charts off", async () => {
  const control = createFakeControl();
  const series = createSeriesStore({ intervalMs: 2000, capacity: 10 });
  series.record(1000, [sample("api_server", 3, [[1, 42]])]);
  const on = createAdminApp({ control, service: () => fakeServiceInfo(control), token: "t", series });
  const off = createAdminApp({ control, service: () => fakeServiceInfo(control), token: "t" });
  const auth = { headers: { Authorization: "Bearer t" } };
  try {
    const res = await on.app.request("/v1/series", auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ t: [1000], pools: [{ name: "api_server", rate: [3] }] });
    const bad = await on.app.request("/v1/series?since=yesterday", auth);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^since: expected epoch milliseconds/);
    const none = await off.app.request("/v1/series", auth);
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toMatch(/--no-admin-charts/);
    expect((await off.app.request("/v1/series/stream", auth)).status).toBe(404);
  } finally {
    on.close();
    off.close();
  }
});
