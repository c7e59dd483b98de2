/**
 * The dashboard's sampler against real metrics sockets (node:http servers on
 * Unix sockets, where bento-kit/worker workers serve theirs): 24 workers'
 * totals (in short, or a whole metrics text) become the pool's rate; a tick's reads start spread over a
 * twentieth of the interval, not at once; one connection per worker is kept across
 * ticks; workers that never answer cost the tick one timeout, and the
 * others are counted.
 */
import { afterEach, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SamplerOptions, startSampler } from "../../src/launch/_sampler.ts";
import { metricsSlotName } from "../../src/core/metrics-slot.ts";
import { createSeriesStore } from "../../src/core/series.ts";
import { formatTotals, parseRequestTotals, TOTALS_PATH } from "../../src/core/request-figures.ts";
import { waitFor } from "../_helpers/probe-util.ts";

const INTERVAL_MS = 500;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A worker's metrics text with `requests` answered. */
const metricsText = (requests: number) =>
  `bentoml_api_server_request_total{service_name="s",endpoint="/x",http_response_code="200"} ${requests}\n` +
  `bentoml_api_server_request_duration_seconds_bucket{le="0.1",service_name="s",endpoint="/x"} ${requests}\n` +
  `bentoml_api_server_request_duration_seconds_bucket{le="+Inf",service_name="s",endpoint="/x"} ${requests}\n`;

interface Workers {
  readonly dir: string;
  /** What the sampler reads of the supervisor's pools: names, worker ids and pids. */
  readonly pools: SamplerOptions["pools"];
  /** When each GET arrived (ms, performance.now()). */
  readonly arrivals: number[];
  /** The paths asked. */
  readonly paths: Set<string>;
  connections(): number;
  /** Each answers `requests()` as its total. */
  requests: number;
}

async function startWorkers(n: number, silent: Set<number> = new Set()): Promise<Workers> {
  const dir = mkdtempSync(join(tmpdir(), "sampler-"));
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const w: Workers = {
    dir,
    // The sampler reads only pool names and worker ids and pids.
    pools: () =>
      [{
        name: "api_server",
        workers: Array.from({ length: n }, (_, i) => ({ id: i + 1, pid: 10_000 + i })),
      }] as unknown as ReturnType<SamplerOptions["pools"]>,
    arrivals: [],
    paths: new Set(),
    connections: () => sockets.length,
    requests: 0,
  };
  for (let id = 1; id <= n; id++) {
    const slot = join(dir, metricsSlotName("api_server", id));
    mkdirSync(slot);
    // Ids divisible by 3 serve their text at /metrics only (404 elsewhere, as a Go worker's mux); other even ids
    // answer as bento-kit/worker does (the totals in short); other odd ones their whole text on any path, as a
    // gRPC worker's socket.
    const server = createServer((req, res) => {
      w.arrivals.push(performance.now());
      w.paths.add(req.url ?? "");
      if (silent.has(id)) return;
      if (id % 3 === 0) {
        return void (req.url === "/metrics" ? res.end(metricsText(w.requests)) : res.writeHead(404).end());
      }
      res.end(id % 2 === 0 ? formatTotals(parseRequestTotals(metricsText(w.requests))) : metricsText(w.requests));
    });
    server.on("connection", (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(join(slot, "metrics.sock"), resolve));
    servers.push(server);
  }
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return w;
}

function sampling(w: Workers) {
  const store = createSeriesStore({ intervalMs: INTERVAL_MS, capacity: 100, maxPools: 4, maxWorkers: 64 });
  const sampler = startSampler({ pools: w.pools, stats: undefined, metricsDir: w.dir, store, intervalMs: INTERVAL_MS });
  cleanups.push(() => sampler.stop());
  return store;
}

test(
  "24 workers: the pool's rate from their totals, the reads spread over the tick, one kept connection each",
  async () => {
    const w = await startWorkers(24);
    const store = sampling(w);
    // The first tick is the baseline; the next read counts every worker's totals whole.
    w.requests = 10;
    const rates = () => store.since().pools[0]?.rate.filter((r) => r !== null && r > 0) ?? [];
    expect(await waitFor(() => rates().length > 0, 20 * INTERVAL_MS)).toBe(true);
    // A tick's 24 reads: the last starts 23 gaps of 50 ms / 24 after the first (48 ms; at once, a few ms apart).
    const tick = w.arrivals.slice(-24);
    expect(tick[23]! - tick[0]!).toBeGreaterThanOrEqual(INTERVAL_MS / 20 * 0.6);
    // Four more ticks on kept connections (24 when every read is in time; on a loaded machine a read that misses
    // its timeout, half an interval, closes its connection and the next read opens one): far fewer than the reads.
    const ticks = store.since().t.length;
    expect(await waitFor(() => store.since().t.length >= ticks + 4, 20 * INTERVAL_MS)).toBe(true);
    expect(w.connections()).toBeGreaterThanOrEqual(24);
    expect(w.connections() * 2).toBeLessThanOrEqual(w.arrivals.length);
  },
  30 * INTERVAL_MS + 5000,
);

test("workers that never answer: the others are still counted, and no tick is skipped", async () => {
  const w = await startWorkers(24, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const store = sampling(w);
  w.requests = 10;
  const rates = () => store.since().pools[0]?.rate.filter((r) => r !== null && r > 0) ?? [];
  const ok = await waitFor(() => rates().length > 0 && store.since().t.length >= 6, 30 * INTERVAL_MS);
  expect(ok).toBe(true);
  // 15 workers answered 10 requests each over about one interval (plus the read's own time).
  const perTick = rates()[0]! * INTERVAL_MS / 1000;
  expect(perTick).toBeGreaterThan(15 * 10 * 0.5);
  expect(perTick).toBeLessThanOrEqual(15 * 10 * 1.01);
  // A tick lasts a twentieth of an interval of spread and half one of timeout: the next one is never skipped (a gap of 2).
  const t = store.since().t;
  const gaps = t.slice(1).map((at, i) => at - t[i]!);
  expect(Math.max(...gaps.slice(1))).toBeLessThan(2 * INTERVAL_MS);
  // Those that refused the short path were asked /metrics from the next tick on: every answering worker's 10
  // requests are counted once (rate x seconds between reads, summed over the ticks).
  const counted = () =>
    (store.since().pools[0]?.rate ?? []).reduce<number>((n, r) => n + (r ?? 0), 0) * INTERVAL_MS / 1000;
  expect(await waitFor(() => counted() >= 15 * 10 * 0.9, 30 * INTERVAL_MS)).toBe(true);
  expect(counted()).toBeLessThanOrEqual(15 * 10 * 1.1);
  expect([...w.paths].sort()).toEqual(["/metrics", TOTALS_PATH].sort());
}, 40 * INTERVAL_MS + 5000);
