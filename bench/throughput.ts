/**
 * (2) Throughput. (a) bench/hello-service (2 hello workers) under the node
 * supervisor vs the same hello worker alone on one inherited socket, wrk
 * -t2 -c64 (2 s warm-up, then the measured run), ROUNDS interleaved rounds,
 * ratio pool/alone. The supervisor's own CPU time during the measured run is
 * read from /proc to show it is not in the request path. (b) the iris
 * example's POST /classify under each supervisor runtime, one run each.
 */
import {
  BENCH,
  classify,
  cmdline,
  cpuMs,
  descendantsOf,
  fmt,
  freePort,
  HELLO_SERVICE,
  HELLO_WORKER,
  http,
  IRIS,
  log,
  machineTicks,
  mainIf,
  median,
  now,
  type Proc,
  QUICK,
  ratio,
  rotate,
  type Runtime,
  RUNTIMES,
  type Section,
  startAlone,
  startSupervisor,
  table,
  whileServing,
  wrk,
  type WrkResult,
} from "./_lib/mod.ts";
import { join } from "node:path";

const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 10;
const WARMUP = 2;
const IRIS_ROUNDS = QUICK ? 1 : 2;

interface Measured extends WrkResult {
  readonly supervisorCpuMs: number;
  /** CPU time of the API workers during the measured run, in cores (1.0 = one core busy). */
  readonly workerCores: number;
  /** Share of the machine's 2 cores busy during the run (all processes, wrk included). */
  readonly machineBusy: number;
}

async function load(proc: Proc, port: number, path: string, script?: string, supervisor = false): Promise<Measured> {
  await wrk(port, path, WARMUP, script);
  // The workers: the lone worker itself, or the supervisor's children running a worker module.
  const workers = supervisor
    ? descendantsOf(proc.pid).filter((pid) => /hello-worker\.ts|iris\/(api|runner)\.ts/.test(cmdline(pid)))
    : [proc.pid];
  const workerCpu = (): number => workers.reduce((a, pid) => a + cpuMs(pid), 0);
  const cpu0 = supervisor ? cpuMs(proc.pid) : NaN;
  const w0 = workerCpu();
  const m0 = machineTicks();
  const t0 = now();
  const r = await wrk(port, path, SECONDS, script);
  const elapsed = now() - t0;
  const m1 = machineTicks();
  return {
    ...r,
    supervisorCpuMs: supervisor ? cpuMs(proc.pid) - cpu0 : NaN,
    workerCores: (workerCpu() - w0) / elapsed,
    machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
  };
}

async function hello(kind: "alone" | "pool"): Promise<Measured> {
  const port = await freePort();
  const proc = kind === "alone" ? startAlone(HELLO_WORKER, port) : startSupervisor("node", HELLO_SERVICE, port);
  return whileServing(
    proc,
    { workers: kind === "alone" ? 1 : 2, probe: () => http(port, "GET", "/") },
    () => load(proc, port, "/", undefined, kind === "pool"),
  );
}

async function iris(rt: Runtime): Promise<Measured> {
  const port = await freePort();
  const proc = startSupervisor(rt, IRIS, port);
  return whileServing(
    proc,
    { workers: 4, probe: () => classify(port) },
    () => load(proc, port, "/classify", join(BENCH, "classify.lua"), true),
  );
}

const pct = (x: number): string => `${fmt(x * 100)} %`;

const STAT_HEAD = [
  "median p50 / p99 ms",
  "median worker CPU (cores)",
  "median machine busy",
  "supervisor CPU ms per run",
  "errors + non-2xx",
];

/** Medians of the runs' latencies and CPU, the supervisor's CPU per run, and all errors. */
function stats(ms: readonly Measured[], supervisor: boolean): string[] {
  const med = (f: (m: Measured) => number): number => median(ms.map(f));
  return [
    `${fmt(med((m) => m.p50ms), 2)} / ${fmt(med((m) => m.p99ms), 2)}`,
    fmt(med((m) => m.workerCores), 2),
    pct(med((m) => m.machineBusy)),
    supervisor ? ms.map((m) => fmt(m.supervisorCpuMs)).join(", ") : "—",
    String(ms.reduce((a, r) => a + r.non2xx + r.socketErrors, 0)),
  ];
}

export async function throughput(): Promise<Section> {
  const runs: Record<"alone" | "pool", Measured[]> = { alone: [], pool: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of rotate(["alone", "pool"] as const, r)) {
      const m = await hello(k);
      runs[k].push(m);
      log(`throughput round ${r + 1}/${ROUNDS} hello ${k}: ${fmt(m.rps)} req/s`);
    }
  }
  const irisAll: Record<Runtime, Measured[]> = { node: [], bun: [], deno: [] };
  for (let r = 0; r < IRIS_ROUNDS; r++) {
    for (const rt of rotate(RUNTIMES, r)) {
      const m = await iris(rt);
      irisAll[rt].push(m);
      log(`throughput round ${r + 1}/${IRIS_ROUNDS} iris /classify under ${rt}: ${fmt(m.rps)} req/s`);
    }
  }
  const aloneRps = median(runs.alone.map((m) => m.rps));
  const poolRps = median(runs.pool.map((m) => m.rps));
  const helloTable = table(
    ["case", "median req/s", `runs (req/s, ${ROUNDS} interleaved)`, ...STAT_HEAD, "pool / alone"],
    (["alone", "pool"] as const).map((k) => [
      k === "alone" ? "1 hello worker alone (same socket setup)" : "2 hello workers under the `node` supervisor",
      fmt(median(runs[k].map((m) => m.rps))),
      runs[k].map((m) => fmt(m.rps)).join(", "),
      ...stats(runs[k], k === "pool"),
      k === "pool" ? ratio(poolRps, aloneRps) : "1.00x",
    ]),
  );
  const irisRps = (rt: Runtime): number => median(irisAll[rt].map((m) => m.rps));
  const irisTable = table(
    ["supervisor runtime", "median req/s", `runs (req/s, ${IRIS_ROUNDS} interleaved)`, ...STAT_HEAD, "vs node"],
    RUNTIMES.map((rt) => [
      `\`${rt}\``,
      fmt(irisRps(rt)),
      irisAll[rt].map((x) => fmt(x.rps)).join(", "),
      ...stats(irisAll[rt], true),
      ratio(irisRps(rt), irisRps("node")),
    ]),
  );
  const r = poolRps / aloneRps;
  const cores = (k: "alone" | "pool"): string => fmt(median(runs[k].map((m) => m.workerCores)), 2);
  const busy = (k: "alone" | "pool"): string => pct(median(runs[k].map((m) => m.machineBusy)));
  const supCpu = Math.max(
    ...runs.pool.map((m) => m.supervisorCpuMs),
    ...RUNTIMES.flatMap((rt) => irisAll[rt].map((m) => m.supervisorCpuMs)),
  );
  const notes = [
    `The supervisor is not in the request path: it used at most ${
      fmt(supCpu)
    } ms of CPU in any ${SECONDS} s measured run, while ` +
    `the workers served about ${fmt((poolRps * SECONDS) / 1000)}k requests (hello pool) or ${
      fmt((Math.min(...RUNTIMES.map(irisRps)) * SECONDS) / 1000)
    }k or more (iris) ` +
    `and used ${
      fmt(median(runs.pool.map((m) => m.workerCores)) * SECONDS, 1)
    } CPU-seconds (hello pool). The workers accept on the socket the ` +
    "supervisor bound; it only holds that socket and watches the processes. Those few tens of ms are not per-request work: " +
    "when checked by hand (/proc/PID/stat of an idle node supervisor), it used about as much in the first 10 s after start-up " +
    "(the start-up tail, GC and JIT) and 0-10 ms per 5 s after that. Under the same wrk load started later it used 0 ms.",
    r >= 1.1
      ? `The pool meets the >= 1.1x target (${
        ratio(poolRps, aloneRps)
      }). It cannot reach 2x here: wrk runs on the same 2 cores ` +
        `(the lone worker used ${cores("alone")} cores with the machine ${
          busy("alone")
        } busy; the pool's workers used ${cores("pool")} cores with it ${busy("pool")} busy).`
      : `Surprise: the pool is below the >= 1.1x target (${
        ratio(poolRps, aloneRps)
      }). Best explanation: the load generator shares the 2 cores. ` +
        `The lone worker already used ${cores("alone")} cores with the machine ${
          busy("alone")
        } busy, the pool's two workers ${cores("pool")} cores ` +
        `with it ${
          busy("pool")
        } busy: there is little idle CPU for a second worker to take, and two workers plus wrk's two threads ` +
        "contend for 2 cores (more context switches, worse p99). Other sessions' test runs on this shared machine add noise (see the load averages).",
  ];
  const spread = Math.max(...RUNTIMES.map(irisRps)) / Math.min(...RUNTIMES.map(irisRps));
  if (spread > 1.1) {
    notes.push(
      `The iris figures differ by up to ${
        fmt(spread, 2)
      }x between supervisor runtimes. The supervisor does no work per request, but its runtime is the workers': ` +
        "examples/iris's pools are module workers, which a Bun or Deno supervisor runs on Bun or Deno (docs/worker-runtimes.md), " +
        "and a Node supervisor on Node (its own type stripping); the supervisor CPU column shows the Bun and Deno supervisors relaying " +
        "the access log, whose lines take the piped path when the supervisor's stdout is a socket, as it is here (docs/logs.md).",
    );
  }
  return {
    notes,
    title: "2. Throughput: 2-worker pool vs 1 worker alone",
    markdown:
      `wrk -t2 -c64 -d${SECONDS}s after a ${WARMUP} s warm-up, keep-alive connections, GET / of bench/hello-worker.ts.\n\n` +
      `${helloTable}\n\n` +
      `**Pool / alone: ${ratio(poolRps, aloneRps)}** (target >= 1.1x on 2 cores).\n\n` +
      `### 2b. examples/iris POST /classify (2 API workers -> 2 kNN runners over Unix sockets)\n\n` +
      `Same wrk settings with bench/classify.lua; worker CPU counts the API workers and the runners.\n\n` +
      irisTable,
  };
}

await mainIf(import.meta.url, throughput);
