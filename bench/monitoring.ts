/**
 * (5) Monitoring. (a) examples/iris POST /classify under the node supervisor
 * with the monitoring plugin on (the default) and off (--no-metrics), wrk
 * -t2 -c64, ROUNDS interleaved rounds, ratio on/off (goal >= 0.95x). (b) the
 * time of one GET /metrics scrape (sequential, fresh connection each) with 2
 * and with 16 API workers (2 runner workers), after a few requests so every
 * worker has series.
 */
import { join } from "node:path";
import {
  BENCH,
  classify,
  fmt,
  freePort,
  http,
  IRIS,
  log,
  mainIf,
  median,
  now,
  QUICK,
  ratio,
  rotate,
  type Section,
  startSupervisor,
  table,
  whileServing,
  wrk,
  type WrkResult,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 10;
const SCRAPES = QUICK ? 10 : 50;

type Mode = "on" | "off";

async function irisLoad(mode: Mode): Promise<WrkResult> {
  const port = await freePort();
  const proc = startSupervisor("node", IRIS, port, { args: mode === "off" ? ["--no-metrics"] : [] });
  return whileServing(proc, { workers: 4, probe: () => classify(port) }, async () => {
    await wrk(port, "/classify", 2, join(BENCH, "classify.lua"));
    return wrk(port, "/classify", SECONDS, join(BENCH, "classify.lua"));
  });
}

/** Milliseconds per scrape (each sample one GET /metrics), and the size of the answer. */
async function scrapes(apiWorkers: number): Promise<{ ms: number[]; bytes: number; series: number }> {
  const port = await freePort();
  const proc = startSupervisor("node", IRIS, port, { args: ["--api-workers", String(apiWorkers)] });
  return whileServing(proc, { workers: apiWorkers + 2, probe: () => classify(port) }, async () => {
    for (let i = 0; i < apiWorkers * 4; i++) await classify(port);
    const ms: number[] = [];
    let last = "";
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = now();
      const r = await http(port, "GET", "/metrics");
      ms.push(now() - t0);
      if (r.status !== 200) throw new Error(`GET /metrics answered ${r.status}`);
      last = r.body;
    }
    return { ms, bytes: last.length, series: last.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length };
  });
}

export async function monitoring(): Promise<Section> {
  const runs: Record<Mode, WrkResult[]> = { on: [], off: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of rotate(["on", "off"] as const, r)) {
      const m = await irisLoad(mode);
      runs[mode].push(m);
      log(`monitoring round ${r + 1}/${ROUNDS} iris /classify metrics ${mode}: ${fmt(m.rps)} req/s`);
    }
  }
  const rps = (mode: Mode): number => median(runs[mode].map((m) => m.rps));
  const throughputTable = table(
    [
      "monitoring plugin",
      "median req/s",
      `runs (req/s, ${ROUNDS} interleaved)`,
      "median p50 / p99 ms",
      "errors + non-2xx",
      "on / off",
    ],
    (["on", "off"] as const).map((mode) => [
      mode === "on" ? "on (default)" : "off (`--no-metrics`)",
      fmt(rps(mode)),
      runs[mode].map((m) => fmt(m.rps)).join(", "),
      `${fmt(median(runs[mode].map((m) => m.p50ms)), 2)} / ${fmt(median(runs[mode].map((m) => m.p99ms)), 2)}`,
      String(runs[mode].reduce((a, m) => a + m.non2xx + m.socketErrors, 0)),
      mode === "on" ? ratio(rps("on"), rps("off")) : "1.00x",
    ]),
  );
  const scrapeRows: string[][] = [];
  for (const workers of [2, 16]) {
    const s = await scrapes(workers);
    log(`monitoring scrape with ${workers} API workers: median ${fmt(median(s.ms), 1)} ms`);
    const sorted = [...s.ms].sort((a, b) => a - b);
    scrapeRows.push([
      String(workers),
      fmt(median(s.ms), 1),
      fmt(sorted[Math.floor(sorted.length * 0.9)]!, 1),
      fmt(sorted.at(-1)!, 1),
      String(s.series),
      fmt(s.bytes / 1024, 1),
    ]);
  }
  const scrapeTable = table(
    ["API workers (+2 runners)", "median ms", "p90 ms", "max ms", "samples", "KiB"],
    scrapeRows,
  );
  return {
    title: "7. Monitoring: /classify with the plugin on vs off, and the time of one /metrics scrape",
    notes: [
      `On / off: ${
        ratio(rps("on"), rps("off"))
      } (goal >= 0.95x). With the plugin on, each request costs the API and runner workers ` +
      "a few in-memory counter and histogram updates (no syscalls, no I/O); the supervisor is not in the request path either way.",
      "A scrape asks every worker's socket in parallel and the supervisor's; its time grows with the number of workers and the samples they report.",
    ],
    markdown:
      `wrk -t2 -c64 -d${SECONDS}s after a 2 s warm-up, examples/iris POST /classify (bench/classify.lua), node supervisor, 2 API + 2 runner workers.\n\n` +
      `${throughputTable}\n\n### 5b. One GET /metrics scrape (${SCRAPES} sequential scrapes, fresh connection each)\n\n${scrapeTable}`,
  };
}

await mainIf(import.meta.url, monitoring);
