/**
 * (6) Scaled out vs all-in-one. examples/iris POST /classify (classify.lua)
 * under wrk -t2 -c64: `start-runner-server` (2 runner workers, TCP on
 * 127.0.0.1) + `start-http-server --depends iris=tcp://127.0.0.1:P` (2 API
 * workers), two supervisors as two hosts would run them, vs `serve` (the same
 * 4 workers, runners over Unix sockets), all under the node supervisor. ROUNDS
 * interleaved rounds, ratio split / serve from this one run.
 */
import { join } from "node:path";
import {
  BENCH,
  classify,
  fmt,
  freePort,
  IRIS,
  log,
  mainIf,
  median,
  type Proc,
  QUICK,
  ratio,
  rotate,
  type Section,
  startCommand,
  startSupervisor,
  stop,
  table,
  waitFor,
  waitReady,
  wrk,
  type WrkResult,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 10;
const WARMUP = 2;
const SCRIPT = join(BENCH, "classify.lua");

type Case = "serve" | "split";

async function measure(proc: Proc, port: number): Promise<WrkResult> {
  await waitFor(proc, () => classify(port));
  await wrk(port, "/classify", WARMUP, SCRIPT);
  return wrk(port, "/classify", SECONDS, SCRIPT);
}

async function serveCase(): Promise<WrkResult> {
  const port = await freePort();
  const proc = startSupervisor("node", IRIS, port, { args: ["--no-admin"] });
  return running([proc], async () => {
    await waitReady(proc, 4);
    return measure(proc, port);
  });
}

async function splitCase(): Promise<WrkResult> {
  const runnerPort = await freePort();
  const apiPort = await freePort();
  const runner = startCommand("start-runner-server", [
    "start-runner-server",
    IRIS,
    "--runner-name",
    "iris",
    "--port",
    String(runnerPort),
    "--no-admin",
  ]);
  const procs: Proc[] = [runner];
  return running(procs, async () => {
    await waitReady(runner, 2);
    const api = startCommand("start-http-server", [
      "start-http-server",
      IRIS,
      "--depends",
      `iris=tcp://127.0.0.1:${runnerPort}`,
      "--host",
      "127.0.0.1",
      "--port",
      String(apiPort),
      "--no-admin",
    ]);
    procs.unshift(api);
    await waitReady(api, 2);
    return measure(api, apiPort);
  });
}

/** Runs `fn`, then stops every process (API first), whatever happened. */
async function running<T>(procs: Proc[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    for (const p of [...procs]) await stop(p);
  }
}

export async function scaleout(): Promise<Section> {
  const runs: Record<Case, WrkResult[]> = { serve: [], split: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of rotate(["serve", "split"] as const, r)) {
      const m = c === "serve" ? await serveCase() : await splitCase();
      runs[c].push(m);
      log(`scaleout round ${r + 1}/${ROUNDS} ${c}: ${fmt(m.rps)} req/s`);
    }
  }
  const rps = (c: Case): number => median(runs[c].map((m) => m.rps));
  const label: Record<Case, string> = {
    serve: "`serve`: 2 API + 2 runner workers, runners over Unix sockets",
    split: "`start-runner-server` (2) + `start-http-server` (2), runners over loopback TCP",
  };
  const rows = (["serve", "split"] as const).map((c) => [
    label[c],
    fmt(rps(c)),
    runs[c].map((m) => fmt(m.rps)).join(", "),
    `${fmt(median(runs[c].map((m) => m.p50ms)), 2)} / ${fmt(median(runs[c].map((m) => m.p99ms)), 2)}`,
    String(runs[c].reduce((a, m) => a + m.non2xx + m.socketErrors, 0)),
    c === "serve" ? "1.00x" : ratio(rps("split"), rps("serve")),
  ]);
  return {
    title: "6. Scaled out (two supervisors, TCP) vs serve (one supervisor, Unix sockets)",
    markdown:
      `examples/iris POST /classify, wrk -t2 -c64 -d${SECONDS}s after a ${WARMUP} s warm-up (bench/classify.lua), node supervisors, ` +
      `${ROUNDS} interleaved rounds.\n\n` +
      table(["case", "median req/s", "runs (req/s)", "median p50 / p99 ms", "errors + non-2xx", "vs serve"], rows) +
      `\n\n**Split / serve: ${ratio(rps("split"), rps("serve"))}**`,
    notes: [
      "Both cases run the same 4 node workers on the same 2 cores with wrk; only the API-to-runner hop differs (loopback TCP " +
      "vs a Unix socket) and the number of supervisors (two vs one, neither in the request path).",
    ],
  };
}

await mainIf(import.meta.url, scaleout);
