/**
 * (2c) What the defaults cost on the serving path (issue 20). examples/iris
 * POST /classify under each supervisor runtime in three configurations:
 * the defaults (access log and metrics on), `--no-access-log --no-metrics`,
 * and the defaults of an older build (BASE_REF, default d2044e3) serving its
 * own examples/iris from a worktree the benchmark makes in bench/.tmp/.
 * wrk -t2 -c64 after a warm-up, ROUNDS rounds, the order of the nine cases
 * rotated each round; ratios of the medians. The supervisor's CPU time per
 * measured run is read from /proc (per-line work shows there).
 *
 * `node --import tsx bench/serving-cost.ts [--quick]` (~5 min; writes its section of RESULTS.md,
 * which run.sh keeps; --quick prints it); BENCH_BASE_REF=<ref> for another baseline,
 * BENCH_RUNTIMES=node,bun for fewer supervisor runtimes.
 */
import { join } from "node:path";
import { BASE_REF, baseCheckout, startBaseIris } from "./_lib/base.ts";
import {
  BENCH,
  classify,
  cmdline,
  cpuMs,
  descendantsOf,
  fmt,
  freePort,
  IRIS,
  loadavg,
  log,
  mainWrites,
  median,
  type Proc,
  QUICK,
  ratio,
  rotate,
  type Runtime,
  RUNTIMES,
  type Section,
  startSupervisor,
  supervisorCommandNote,
  table,
  whileServing,
  wrk,
  type WrkResult,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 2;
const SECONDS = QUICK ? 3 : 8;
/**
 * Seconds of load before the measured run: a Bun or Deno worker's CPU per request falls for about
 * 10 s of load (its JIT warming up; 120-130 µs, then 75-95 on iris's API worker), and a 2 s warm-up
 * measured how far each process had got, 0.6-1.0x between two starts of the same configuration.
 */
const WARMUP = QUICK ? 3 : 12;
const SCRIPT = join(BENCH, "classify.lua");
const ONLY = process.env.BENCH_RUNTIMES?.split(",");
const SUPERVISORS = RUNTIMES.filter((rt) => ONLY === undefined || ONLY.includes(rt));

export const SERVING_COST_TITLE = "15. What the defaults cost on the serving path (issue 20)";

type Config = "defaults" | "bare" | "base";
const CONFIGS: readonly Config[] = ["defaults", "bare", "base"];
const LABEL: Record<Config, string> = {
  defaults: "defaults",
  bare: "`--no-access-log --no-metrics`",
  base: `${BASE_REF} defaults`,
};

interface Measured extends WrkResult {
  readonly supervisorCpuMs: number;
  /** CPU time of the API and runner workers per request answered (µs): robust to a busy machine, unlike req/s. */
  readonly workerUsPerRequest: number;
}

function start(rt: Runtime, config: Config, port: number): Proc {
  if (config === "bare") return startSupervisor(rt, IRIS, port, { args: ["--no-access-log", "--no-metrics"] });
  if (config === "defaults") return startSupervisor(rt, IRIS, port);
  return startBaseIris(rt, port);
}

async function measure(rt: Runtime, config: Config): Promise<Measured> {
  const port = await freePort();
  const proc = start(rt, config, port);
  return whileServing(proc, { workers: 4, probe: () => classify(port) }, async () => {
    await wrk(port, "/classify", WARMUP, SCRIPT);
    const workers = descendantsOf(proc.pid).filter((pid) => /iris\/(api|runner)\.ts/.test(cmdline(pid)));
    const workerCpu = (): number => workers.reduce((a, pid) => a + cpuMs(pid), 0);
    const cpu0 = cpuMs(proc.pid);
    const w0 = workerCpu();
    const r = await wrk(port, "/classify", SECONDS, SCRIPT);
    return {
      ...r,
      supervisorCpuMs: cpuMs(proc.pid) - cpu0,
      workerUsPerRequest: ((workerCpu() - w0) * 1000) / (r.rps * SECONDS),
    };
  });
}

export async function servingCost(): Promise<Section> {
  baseCheckout();
  const runs = new Map<string, Measured[]>();
  const key = (rt: Runtime, c: Config): string => `${rt}/${c}`;
  const cases = SUPERVISORS.flatMap((rt) => CONFIGS.map((c) => [rt, c] as const));
  const loads: string[] = [loadavg()];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [rt, c] of rotate(cases, (r * 4) % cases.length)) {
      const m = await measure(rt, c);
      runs.set(key(rt, c), [...(runs.get(key(rt, c)) ?? []), m]);
      log(
        `serving cost round ${r + 1}/${ROUNDS} ${rt} ${c}: ${fmt(m.rps)} req/s, supervisor ${
          fmt(m.supervisorCpuMs)
        } ms CPU`,
      );
    }
    loads.push(loadavg());
  }
  const rps = (rt: Runtime, c: Config): number => median(runs.get(key(rt, c))!.map((m) => m.rps));
  const rows = cases.map(([rt, c]) => {
    const ms = runs.get(key(rt, c))!;
    return [
      `\`${rt}\``,
      LABEL[c],
      fmt(rps(rt, c)),
      ms.map((m) => fmt(m.rps)).join(", "),
      `${fmt(median(ms.map((m) => m.p50ms)), 2)} / ${fmt(median(ms.map((m) => m.p99ms)), 2)}`,
      fmt(median(ms.map((m) => m.workerUsPerRequest))),
      ms.map((m) => fmt(m.supervisorCpuMs)).join(", "),
      String(ms.reduce((a, m) => a + m.non2xx + m.socketErrors, 0)),
    ];
  });
  const goals = table(
    ["supervisor runtime", "defaults / bare (goal >= 0.90x)", `defaults / ${BASE_REF} (goal >= 1.00x)`],
    SUPERVISORS.map((rt) => [
      `\`${rt}\``,
      ratio(rps(rt, "defaults"), rps(rt, "bare")),
      ratio(rps(rt, "defaults"), rps(rt, "base")),
    ]),
  );
  return {
    title: SERVING_COST_TITLE,
    markdown:
      `examples/iris POST /classify (bench/classify.lua), wrk -t2 -c64 -d${SECONDS}s after a ${WARMUP} s warm-up, ` +
      `${ROUNDS} rounds, the nine cases in rotated order. \`${BASE_REF}\` serves its own examples/iris from a worktree ` +
      "(bin/bento-kit.mjs from source: that build has no dist/).\n\n" +
      table(
        [
          "supervisor",
          "configuration",
          "median req/s",
          `runs (req/s, ${ROUNDS} rounds)`,
          "median p50 / p99 ms",
          "median worker CPU µs per request",
          "supervisor CPU ms per run",
          "errors + non-2xx",
        ],
        rows,
      ) +
      "\n\n" + goals,
    notes: [
      supervisorCommandNote(),
      "Worker CPU per request: the API and runner workers' user + system time during the measured run (/proc) over " +
      "the requests answered. On this shared machine req/s of the same case swings 2-3x between rounds; CPU per request " +
      "swings less, but it grows too when the machine is overloaded (fewer requests per wake-up, more cache misses).",
      "Supervisor CPU per run: what the access log cost it before issue 20 (140-730 ms per run on Node: every line went " +
      "worker -> pipe -> supervisor -> stdout). bento-kit/worker now writes it to the supervisor's stdout itself (docs/logs.md). " +
      "Here every supervisor's stdout is a socket (the bench reads it through node:child_process, whose pipes are socketpairs), " +
      "as under journald: a socket cannot be opened again for the workers, so Bun and Deno supervisors relay their " +
      "workers' lines from a pipe of their own in chunks of whole lines (what their CPU per run shows; before, every line " +
      "took the piped path: 1860-2350 ms per run); a Node supervisor hands on fd 1 itself.",
      "What the defaults still cost over `--no-access-log --no-metrics`: on Bun and Deno, `length=` of a Hono `c.json` " +
      "answer is counted on a clone of its body, and the line is formatted and written; per request the workers' CPU " +
      "shows it (bench/profile-workers.ts profiles Node workers, `BUN_OPTIONS=--cpu-prof` Bun ones).",
      `\`${BASE_REF}\` started Node workers (through tsx) under every supervisor runtime; the Bun and Deno supervisors ` +
      "now start Bun and Deno workers, so their comparison with it is of the whole serving path, not of the supervisor alone.",
      `Load average at the start and after each round: ${loads.join(" → ")} (a shared 2-core machine: other ` +
      "engineers' builds and tests ran meanwhile; read the ratios, measured in the same run, not single figures).",
    ],
  };
}

await mainWrites(import.meta.url, servingCost);
