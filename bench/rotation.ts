/**
 * (14) Certificate rotation (issue 23). examples/iris over HTTPS (2 API
 * workers, 2 kNN runners; node supervisor), wrk -t2 -c64 POST /classify;
 * ROUNDS rounds of a window in which the pair is replaced and `POST
 * /v1/reload` (what `bento-kit reload` calls) runs 1 s in, the window ending
 * 1 s after the reload answered, then a window as long without one. Ratios: requests per second with a
 * rotation against without; the reload's time (answered when every worker is
 * replaced) against the sum of the replacements' own cold starts (their
 * `ready` events' `afterMs`).
 *
 *   node --import tsx bench/rotation.ts [--quick]   # writes its section of bench/RESULTS.md
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BENCH,
  buildDist,
  CLASSIFY_BODY,
  fmt,
  type HttpResult,
  IRIS,
  leftovers,
  loadavg,
  log,
  machineLines,
  median,
  now,
  putSection,
  QUICK,
  renderSection,
  sleep,
  startWrk,
  supervisorCommandNote,
  table,
  type WrkResult,
} from "./_lib/mod.ts";
import { withAdmin } from "./_lib/admin.ts";

export const ROTATION_TITLE = "14. Certificate rotation under load (issue 23)";
const ROUNDS = QUICK ? 1 : 3;
/** A bound on a window (wrk's -d); the rotation window is stopped 1 s after the reload. */
const LONGEST_S = 300;
const CLASSIFY_LUA = join(BENCH, "classify.lua");

type Pair = { cert: string; key: string };

function makePair(dir: string, name: string): Pair {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    key,
    "-out",
    cert,
    "-subj",
    "/CN=localhost",
  ], { stdio: "ignore" });
  return { cert, key };
}

/** As a renewal tool does: each file written aside, then renamed over the live one. */
function install(live: Pair, pair: Pair): void {
  for (const [from, to] of [[pair.cert, live.cert], [pair.key, live.key]] as const) {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  }
}

function classifyTls(port: number): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/classify",
      agent: false,
      rejectUnauthorized: false,
      timeout: 10_000,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(CLASSIFY_BODY) },
    }, (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (body += c));
      r.on("end", () => res({ status: r.statusCode ?? 0, pid: undefined, body }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", rej);
    req.end(CLASSIFY_BODY);
  });
}

interface Run {
  readonly load: WrkResult;
  /** The window's length: the rotation's, and its baseline's after it. */
  readonly seconds: number;
  /** The rotation's runs only. */
  readonly reloadMs?: number;
  readonly coldMs?: number;
}

export async function rotation(): Promise<string> {
  const t0 = now();
  const before = loadavg();
  const dir = mkdtempSync(join(tmpdir(), "bento-bench-rotation-"));
  const pairs = [makePair(dir, "a"), makePair(dir, "b")];
  const live = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  install(live, pairs[0]!);
  const runs: Record<"rotation" | "baseline", Run[]> = { rotation: [], baseline: [] };
  try {
    const args = ["--ssl-certfile", live.cert, "--ssl-keyfile", live.key, "--no-access-log"];
    await withAdmin(IRIS, args, 4, classifyTls, async (_proc, admin, port) => {
      const stream = await admin.events();
      for (let round = 0; round < ROUNDS; round++) {
        // The rotation window lasts until 1 s after the reload answered (however long the machine's load makes
        // it); the baseline window right after it lasts as long.
        const started = now();
        const wrk = startWrk(port, "/classify", LONGEST_S, CLASSIFY_LUA, "https");
        await sleep(1000);
        install(live, pairs[(round + 1) % 2]!);
        const mark = stream.events.length;
        const r = await admin.req("POST", "/v1/reload");
        if (r.status !== 200) throw new Error(`reload: HTTP ${r.status} ${r.body}`);
        const done = () => stream.events.slice(mark).some((e) => e.type === "reload" && e.phase === "done");
        for (let i = 0; i < 100 && !done(); i++) await sleep(10);
        await sleep(1000);
        wrk.stop();
        const load = await wrk.done;
        const seconds = Math.ceil((now() - started) / 1000);
        const ready = stream.events.slice(mark).filter((e) => e.type === "ready");
        if (ready.length !== 4) throw new Error(`reload: ${ready.length} ready events, expected 4`);
        const coldMs = ready.reduce((a, e) => a + (e.afterMs ?? NaN), 0);
        runs.rotation.push({ load, reloadMs: r.ms, coldMs, seconds });
        const baseline = await startWrk(port, "/classify", seconds, CLASSIFY_LUA, "https").done;
        runs.baseline.push({ load: baseline, seconds });
        log(
          `rotation round ${round + 1}/${ROUNDS}: reload ${fmt(r.ms)} ms (cold starts ${fmt(coldMs)} ms), ` +
            `${fmt(load.rps)} req/s over ${seconds} s; then ${fmt(baseline.rps)} req/s without a reload`,
        );
      }
      stream.close();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs: Run[], f: (r: Run) => number) => median(xs.map(f));
  const failed = (xs: Run[]) => xs.reduce((a, r) => a + r.load.socketErrors + r.load.non2xx, 0);
  // Per round, each rotation window against the baseline window next to it: the machine's load drifts between rounds.
  const perRound = runs.rotation.map((r, i) => r.load.rps / runs.baseline[i]!.load.rps);
  const rows = (["baseline", "rotation"] as const).map((k) => [
    k === "baseline" ? "no reload (baseline)" : "pair replaced + POST /v1/reload",
    fmt(med(runs[k], (r) => r.load.rps)),
    runs[k].map((r) => fmt(r.load.rps)).join(", "),
    k === "baseline"
      ? "1.00x"
      : `${fmt(median(perRound), 2)}x (per round: ${perRound.map((x) => fmt(x, 2)).join(", ")})`,
    fmt(med(runs[k], (r) => r.load.p99ms), 1),
    String(failed(runs[k])),
  ]);
  const reloadMs = med(runs.rotation, (r) => r.reloadMs!);
  const perRun = runs.rotation.map((r) => r.reloadMs! / r.coldMs!);
  return renderSection({
    title: ROTATION_TITLE,
    markdown: table([
      "window",
      "median req/s",
      "runs (req/s)",
      "vs baseline (median per round)",
      "median p99 ms",
      "failed requests",
    ], rows) +
      "\n\n" + table(["median reload ms", "runs (ms)", "median sum of the 4 cold starts ms", "reload / cold starts"], [[
        fmt(reloadMs),
        runs.rotation.map((r) => fmt(r.reloadMs!)).join(", "),
        fmt(med(runs.rotation, (r) => r.coldMs!)),
        `${fmt(median(perRun), 2)}x (per run: ${perRun.map((x) => fmt(x, 2)).join(", ")})`,
      ]]),
    notes: [
      `examples/iris over HTTPS (RSA 2048, self-signed) with 2 API workers and 2 kNN runners under the node supervisor; ` +
      `wrk -t2 -c64 --latency POST /classify (bench/classify.lua); ${ROUNDS} rounds of a window with a rotation (the ` +
      "pair replaced by rename, then POST /v1/reload 1 s into the window, which ends 1 s after the reload answered: " +
      `${runs.rotation.map((r) => r.seconds).join(", ")} s) and then a window as long without one. ` +
      supervisorCommandNote(),
      "The reload rolls the 4 workers one at a time, runners first, each replacement ready before its old worker " +
      "stops: its time should be the sum of the replacements' cold starts plus the drains and the check of the new " +
      "pair (a few ms), so reload / cold starts a little above 1.00x.",
      `The rotation windows served ${fmt(median(perRound), 2)}x the req/s of the baseline windows (the median of ` +
      "the per-round ratios: each rotation window against the baseline window right after it, as the shared " +
      "machine's load drifts). " + (median(perRound) < 0.95
        ? "The difference is the replacements' starts (tsx compiling, the kNN runner training) taking CPU from the " +
          "serving workers on 2 cores."
        : "No cost shows above the noise of the shared machine: the replacements' starts take CPU from the serving " +
          "workers, but the baseline then runs on workers just started (JIT still cold).") +
      ` Failed requests (socket errors + non-2xx) during the rotations: ${failed(runs.rotation)}.`,
      ...machineLines(new Date()).map((l) =>
        l.slice(2)
      ),
      `Took ${fmt((now() - t0) / 1000)} s; load average before ${before}, after ${loadavg()} (2 cores shared with ` +
      "other sessions' test runs: read the ratios, not the absolute figures).",
    ],
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    buildDist();
    const section = await rotation();
    if (QUICK) console.log(section);
    else {
      const file = join(BENCH, "RESULTS.md");
      writeFileSync(file, putSection(readFileSync(file, "utf8"), ROTATION_TITLE, section));
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
