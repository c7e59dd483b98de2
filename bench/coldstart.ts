/**
 * (1) Cold start of examples/iris per supervisor runtime: from spawning the
 * supervisor to the first 200 on POST /classify (2 runners + 2 API workers).
 * Baseline, same run: one bare iris API worker started alone (bench/_lib/start.ts
 * startAlone, a runner map pointing nowhere) until its first 200 on /healthz.
 * One discarded warm-up round (fills the tsx and Deno caches), then ROUNDS
 * rounds with the order of the cases rotated each round.
 */
import {
  classify,
  fmt,
  freePort,
  http,
  IRIS,
  IRIS_ALONE_ENV,
  IRIS_API,
  log,
  mainIf,
  median,
  type Proc,
  QUICK,
  ratio,
  rotate,
  type Runtime,
  RUNTIMES,
  type Section,
  sleep,
  startAlone,
  startSupervisor,
  stop,
  supervisorCommandNote,
  table,
  waitFor,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 2 : 5;
type Case = "alone" | Runtime;
const CASES: readonly Case[] = ["alone", ...RUNTIMES];

interface Run {
  /** Spawn to first 200. */
  readonly first200: number;
  /** Spawn to the supervisor's "Starting production HTTP BentoServer" line, printed once every worker is ready. */
  readonly started: number;
}

const STARTED = /Starting production HTTP BentoServer/;

async function once(c: Case): Promise<Run> {
  const port = await freePort();
  let proc: Proc;
  let probe: () => ReturnType<typeof http>;
  if (c === "alone") {
    proc = startAlone(IRIS_API, port, IRIS_ALONE_ENV);
    probe = () => http(port, "GET", "/healthz");
  } else {
    proc = startSupervisor(c, IRIS, port);
    probe = () => classify(port);
  }
  try {
    const { t } = await waitFor(proc, probe, { deadlineMs: 30_000, pollMs: 5 });
    // The first 200 can come before the line: one API worker (and the runners it calls) answer before the rest are ready.
    let line = proc.lines.find((l) => STARTED.test(l.text));
    for (let i = 0; i < 1000 && line === undefined; i++) {
      await sleep(10);
      line = proc.lines.find((l) => STARTED.test(l.text));
    }
    return { first200: t - proc.t0, started: line ? line.t - proc.t0 : NaN };
  } finally {
    await stop(proc);
  }
}

export async function coldStart(): Promise<Section> {
  const ms: Record<Case, number[]> = { alone: [], node: [], bun: [], deno: [] };
  const started: Record<Case, number[]> = { alone: [], node: [], bun: [], deno: [] };
  log("cold start: warm-up round (discarded)");
  for (const c of CASES) await once(c);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of rotate(CASES, r)) {
      const run = await once(c);
      ms[c].push(run.first200);
      started[c].push(run.started);
      log(
        `cold start round ${r + 1}/${ROUNDS} ${c}: first 200 at ${fmt(run.first200)} ms (log line at ${
          fmt(run.started)
        } ms)`,
      );
    }
  }
  const base = median(ms.node);
  const alone = median(ms.alone);
  const rows = CASES.map((c) => [
    c === "alone" ? "baseline: 1 iris API worker alone, GET /healthz" : `\`${c}\` supervisor, POST /classify`,
    fmt(median(ms[c])),
    ms[c].map((x) => fmt(x)).join(", "),
    c === "alone" ? "—" : ratio(median(ms[c]), base),
    ratio(median(ms[c]), alone),
    c === "alone" ? "—" : fmt(median(started[c])),
  ]);
  const notes = [
    `Every worker ready (spawn -> the "Starting production" line, which the supervisor prints once every worker of every ` +
    `pool is ready): ` + RUNTIMES.map((rt) => `${rt} ${fmt(median(started[rt]))} ms`).join(", ") +
    `. The first 200 needs one API worker and the runners it calls, so it can come before that line. ` +
    supervisorCommandNote(),
    `The service is 4 workers (2 kNN runners, 2 API workers) started at once on 2 cores: Node ones on Node's own type stripping ` +
    `under the node supervisor (tsx before b2a29e5, docs/worker-runtimes.md), Bun and Deno ones (native TypeScript) under the bun and deno supervisors. It takes longer ` +
    `than one API worker alone (${
      fmt(alone)
    } ms); that baseline is a floor no supervisor can beat, not a like-for-like service.`,
  ];
  for (const rt of ["bun", "deno"] as const) {
    if (median(ms[rt]) > base) {
      notes.push(
        `Surprise: the ${rt} supervisor reached its first 200 later than node (${ratio(median(ms[rt]), base)}).`,
      );
    }
  }
  return {
    notes,
    title: "1. Cold start to first 200",
    markdown: table([
      "case",
      "median ms to first 200",
      `all runs (ms, ${ROUNDS} interleaved)`,
      "vs node",
      "vs 1 worker alone",
      'median ms to the "Starting production" line',
    ], rows),
  };
}

await mainIf(import.meta.url, coldStart);
