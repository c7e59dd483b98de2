/**
 * Worker runtimes (issue 12). Supervisor and workers on the same runtime
 * (the default), ROUNDS interleaved rounds, the runtime order rotated each
 * round, wrk -t2 -c64:
 * (a) throughput of the 2-worker hello pool (bench/hello-service) against
 *     that runtime's hello worker alone (Node on an inherited fd, Bun and
 *     Deno on their own SO_REUSEPORT listener), and of examples/iris
 *     POST /classify (2 API + 2 runner workers);
 * (b) cold start of one hello worker alone, spawn to its first 200;
 * (c) failed requests under load when a worker is killed with SIGKILL, and
 *     during a rolling restart (SIGHUP), with net.ipv4.tcp_migrate_req off
 *     and on (set for the run when writable, then restored).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BENCH,
  classify,
  fmt,
  freePort,
  HELLO_SERVICE,
  HELLO_WORKER,
  http,
  IRIS,
  log,
  mainIf,
  median,
  now,
  QUICK,
  ratio,
  readyWorkers,
  rotate,
  type Runtime,
  RUNTIMES,
  type Section,
  sleep,
  startAloneOn,
  startSupervisor,
  startWrk,
  stop,
  table,
  waitFor,
  waitReady,
  whileServing,
  wrk,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 2;
const SECONDS = QUICK ? 3 : 6;
const MIGRATE = "/proc/sys/net/ipv4/tcp_migrate_req";
/** `--faults-only`: only part (c). */
const FAULTS_ONLY = process.argv.includes("--faults-only");

async function measure(port: number, path: string, script?: string): Promise<number> {
  await wrk(port, path, 1, script);
  return (await wrk(port, path, SECONDS, script)).rps;
}

async function pool(
  rt: Runtime,
  dir: string,
  workers: number,
  path: string,
  script?: string,
  extra: string[] = [],
): Promise<number> {
  const port = await freePort();
  const proc = startSupervisor(rt, dir, port, { args: ["--no-access-log", "--no-admin", "--no-metrics", ...extra] });
  const probe = () => (script ? classify(port) : http(port, "GET", path));
  return whileServing(proc, { workers, probe }, () => measure(port, path, script));
}

async function alone(rt: Runtime): Promise<{ rps: number; coldMs: number }> {
  const port = await freePort();
  const proc = startAloneOn(rt, HELLO_WORKER, port);
  try {
    const { t } = await waitFor(proc, () => http(port, "GET", "/"), { pollMs: 5 });
    return { coldMs: t - proc.t0, rps: await measure(port, "/") };
  } finally {
    await stop(proc);
  }
}

interface Faults {
  readonly killFailed: number;
  readonly killBackMs: number;
  readonly rollFailed: number;
  readonly requests: number;
}

/** Under wrk: SIGKILL worker 1, then (fresh load) a rolling restart; failed = socket errors + non-2xx. */
async function faults(rt: Runtime): Promise<Faults> {
  const port = await freePort();
  const proc = startSupervisor(rt, HELLO_SERVICE, port, { args: ["--no-access-log", "--no-admin", "--no-metrics"] });
  try {
    await waitReady(proc, 2);
    await waitFor(proc, () => http(port, "GET", "/"));
    const load = startWrk(port, "/", 6);
    await sleep(2000);
    const victim = readyWorkers(proc).find((w) => w.id === 1)!;
    const killedAt = now();
    process.kill(victim.pid, "SIGKILL");
    while (!readyWorkers(proc).some((w) => w.id === 1 && w.pid !== victim.pid) && now() - killedAt < 10_000) {
      await sleep(5);
    }
    const back = readyWorkers(proc).find((w) => w.id === 1 && w.pid !== victim.pid);
    const killed = await load.done;
    const before = new Set(readyWorkers(proc).map((w) => w.pid));
    const rolling = startWrk(port, "/", 8);
    await sleep(2000);
    process.kill(proc.pid, "SIGHUP");
    const t0 = now();
    while (readyWorkers(proc).filter((w) => !before.has(w.pid)).length < 2 && now() - t0 < 15_000) await sleep(20);
    const rolled = await rolling.done;
    return {
      killFailed: killed.socketErrors + killed.non2xx,
      killBackMs: back ? back.t - killedAt : NaN,
      rollFailed: rolled.socketErrors + rolled.non2xx,
      requests: Math.round(rolled.rps * 8),
    };
  } finally {
    await stop(proc);
  }
}

function setMigrate(value: string): boolean {
  try {
    writeFileSync(MIGRATE, value);
    return readFileSync(MIGRATE, "utf8").trim() === value;
  } catch {
    return false;
  }
}

export async function workers(): Promise<Section> {
  const hello: Record<Runtime, { pool: number[]; alone: number[]; cold: number[]; iris: number[] }> = {
    node: { pool: [], alone: [], cold: [], iris: [] },
    bun: { pool: [], alone: [], cold: [], iris: [] },
    deno: { pool: [], alone: [], cold: [], iris: [] },
  };
  const irisTcp: number[] = [];
  for (let round = 0; round < (FAULTS_ONLY ? 0 : ROUNDS); round++) {
    for (const rt of rotate(RUNTIMES, round)) {
      log(`round ${round + 1}: ${rt}`);
      const a = await alone(rt);
      hello[rt].alone.push(a.rps);
      hello[rt].cold.push(a.coldMs);
      hello[rt].pool.push(await pool(rt, HELLO_SERVICE, 2, "/"));
      hello[rt].iris.push(await pool(rt, IRIS, 4, "/classify", join(BENCH, "classify.lua")));
      // Node runners on loopback TCP instead of Unix sockets: what the Bun and Deno runners' transport costs.
      if (rt === "node") {
        irisTcp.push(await pool(rt, IRIS, 4, "/classify", join(BENCH, "classify.lua"), ["--no-unix-sockets"]));
      }
    }
  }
  const original = (() => {
    try {
      return readFileSync(MIGRATE, "utf8").trim();
    } catch {
      return undefined;
    }
  })();
  const fault: { rt: Runtime; migrate: string; f: Faults }[] = [];
  try {
    for (const migrate of ["0", "1"]) {
      if (!setMigrate(migrate)) {
        log(`cannot set ${MIGRATE} to ${migrate}: skipped`);
        continue;
      }
      for (const rt of RUNTIMES) {
        log(`faults: ${rt}, tcp_migrate_req=${migrate}`);
        fault.push({ rt, migrate, f: await faults(rt) });
      }
    }
  } finally {
    if (original !== undefined) setMigrate(original);
  }
  const nodePool = median(hello.node.pool);
  const nodeIris = median(hello.node.iris);
  const rows = RUNTIMES.map((rt) => {
    const h = hello[rt];
    return [
      rt,
      fmt(median(h.alone)),
      fmt(median(h.pool)),
      ratio(median(h.pool), median(h.alone)),
      ratio(median(h.pool), nodePool),
      fmt(median(h.iris)),
      ratio(median(h.iris), nodeIris),
      fmt(median(h.cold)),
    ];
  });
  const faultRows = fault.map(({ rt, migrate, f }) => [
    rt,
    migrate,
    String(f.killFailed),
    fmt(f.killBackMs),
    String(f.rollFailed),
    String(f.requests),
  ]);
  return {
    title: "10. Worker runtimes: Node (inherited fd) vs Bun and Deno (SO_REUSEPORT) (issue 12)",
    markdown: table(
      [
        "workers",
        "hello alone req/s",
        "hello 2-pool req/s",
        "pool/alone",
        "pool vs Node pool",
        "iris /classify req/s",
        "vs Node",
        "cold start ms",
      ],
      rows,
    ) + "\n\n" +
      table([
        "workers",
        "tcp_migrate_req",
        "kill -9: failed",
        "kill -9: back ms",
        "rolling restart: failed",
        "of requests",
      ], faultRows),
    notes: [
      `iris with Node runners on loopback TCP (--no-unix-sockets): ${fmt(median(irisTcp))} req/s, ${
        ratio(median(irisTcp), nodeIris)
      } of Node with Unix runners.`,
      `${ROUNDS} interleaved rounds, wrk -t2 -c64 ${SECONDS}s after 1 s warm-up; supervisor on the workers' runtime; medians.`,
      "Failed requests are wrk's socket errors plus non-2xx answers; kill -9 under a 6 s load, rolling restart (SIGHUP) under an 8 s load.",
    ],
  };
}

await mainIf(import.meta.url, workers);
