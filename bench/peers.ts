/**
 * (10) Side by side (issue 10 item 5): the same plain Node worker
 * (bench/peers/worker.mjs, node:http only) run with 2 workers by bento-kit (the
 * supervisor on Node, Bun and Deno), circus (from its source) and pm2 (cluster
 * mode), and alone on one inherited socket (the baseline); beside each
 * bento-kit case, the floor of its runtime (bench/peers/floor.mjs: the
 * runtime spawning the 2 workers and nothing else; cold start and RSS only,
 * as it replaces no worker). One invocation;
 * each round starts every case once, in an order rotated each round, after one
 * warm-up round whose cold starts are thrown away. In each start:
 *
 * 1. cold start, 1 s after the previous case stopped: from spawning the
 *    supervisor (circusd, `pm2 start`) to the
 *    first 200 on GET /, polled every 5 ms on fresh connections;
 * 2. idle RSS: once every worker is up and 1 s has passed, VmRSS of the
 *    supervisor process alone (circusd; pm2's God daemon), 5 samples 400 ms apart;
 * 3. throughput: `wrk -t2 -c64` on GET / after a warm-up run of wrk;
 * 4. SIGKILL of one worker until a new pid answers GET / (a new poll every 5 ms,
 *    not waiting for the previous ones).
 *
 * Then 10 more rounds of cold starts alone (rotated the same way): a cold
 * start spreads more between runs than the other figures, so its median is
 * over 15 starts of each case.
 *
 *     node --import tsx bench/peers.ts [--quick]
 *
 * Writes its section into bench/RESULTS.md (`--quick`: prints only).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  BENCH,
  buildDist,
  cmdline,
  descendantsOf,
  fmt,
  freePort,
  http,
  type HttpResult,
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
  rotate,
  rssKiB,
  running,
  RUNTIMES,
  sleep,
  supervisorCommandNote,
  table,
  waitFor,
  wrk,
} from "./_lib/mod.ts";
import { alone, bentoKit, floor, type Peer, PEERS_TITLE, type Running, WORKER } from "./peers/peer.ts";
import { circus, circusAvailable } from "./peers/circus.ts";
import { pm2Available, pm2Cluster } from "./peers/pm2.ts";
import { floorRows, type Medians, targets } from "./peers/targets.ts";

const ROUNDS = QUICK ? 1 : 5;
/** Rounds of cold starts alone after the full rounds (a start and a stop, about 2.5 s each): the cold-start medians are over ROUNDS + COLD_ROUNDS starts of each case. */
const COLD_ROUNDS = QUICK ? 0 : 10;
const WARM_S = QUICK ? 1 : 2;
const LOAD_S = QUICK ? 3 : 10;
const POLL_MS = 5;
/** After a SIGKILL a new poll starts every POLL_MS without waiting for the previous one (at most this many in flight), each given up after POLL_TIMEOUT_MS: a connection handed to the dead worker holds up only itself. */
const MAX_IN_FLIGHT = 32;
const POLL_TIMEOUT_MS = 2000;
const SETTLE_MS = 1000;
/**
 * Each start waits this long after the previous case stopped: its cold start
 * must not share the cores with the end of that case (12 s of wrk, then a
 * kill and a stop), which added tens of ms to whichever case came next.
 */
const QUIET_MS = 1000;
/**
 * Before the SIGKILL every case waits 0.3 s plus a uniform random part of up to
 * 5 s: circus looks at its processes every `check_delay` (5 s), so a kill at a
 * fixed time after its start would always fall at the same point of that period.
 */
const KILL_AFTER_MS = (): number => 300 + Math.random() * 5000;
const RSS_SAMPLES = 5;
const RSS_EVERY_MS = 400;
const COMMAND = "node --import tsx bench/peers.ts";

interface Sample {
  readonly coldMs: number;
  readonly rssKiB: number;
  /** The supervisor's other children (not workers): bento-kit's keeper `sh`, tsx's esbuild service. */
  readonly helpersKiB: number;
  readonly helpers: string;
  readonly rps: number;
  readonly failed: number;
  /** SIGKILL of a worker to the first answer from a new pid (none for the lone worker). */
  readonly respawnMs: number;
  /** Polls that failed meanwhile (reset, or no answer within RESPAWN_POLL_TIMEOUT_MS). */
  readonly lostPolls: number;
}

const get = (port: number, timeoutMs = 2000) => http(port, "GET", "/", undefined, timeoutMs);

async function until(what: string, ok: () => boolean, deadlineMs = 30_000): Promise<void> {
  const end = now() + deadlineMs;
  while (!ok()) {
    if (now() > end) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await sleep(20);
  }
}

function memory(run: Running): { rss: number; helpers: number; names: string } {
  const sup = run.supervisorPid();
  if (sup === undefined) return { rss: NaN, helpers: NaN, names: "" };
  const workers = new Set(run.workers());
  const others = descendantsOf(sup).filter((pid) =>
    running(pid) && !workers.has(pid) && !cmdline(pid).includes(WORKER)
  );
  const names = [...new Set(others.map((pid) => cmdline(pid).split(" ")[0]!.split("/").pop()!))].join(", ");
  return { rss: rssKiB(sup), helpers: others.reduce((a, pid) => a + (rssKiB(pid) || 0), 0), names };
}

/** Polls GET / as above until an answer passes `accept`; `lost` counts the polls that failed (reset or no answer) until then. */
function firstAnswer(
  port: number,
  accept: (r: HttpResult) => boolean,
  deadlineMs: number,
): Promise<{ t: number; lost: number }> {
  return new Promise((res, rej) => {
    const end = now() + deadlineMs;
    let done = false;
    let lost = 0;
    let inFlight = 0;
    const finish = (f: () => void): void => {
      done = true;
      clearInterval(timer);
      f();
    };
    const tick = (): void => {
      if (done) return;
      if (now() > end) {
        return finish(() =>
          rej(new Error(`no accepted answer on port ${port} within ${deadlineMs} ms (${lost} polls lost)`))
        );
      }
      if (inFlight >= MAX_IN_FLIGHT) return;
      inFlight++;
      get(port, POLL_TIMEOUT_MS).then(
        (r) => void (!done && r.status === 200 && accept(r) && finish(() => res({ t: now(), lost }))),
        () => void (done || lost++),
      ).finally(() => inFlight--);
    };
    const timer = setInterval(tick, POLL_MS);
    tick();
  });
}

async function killOne(peer: Peer, run: Running, port: number): Promise<{ ms: number; lost: number }> {
  if (peer.workers < 2) return { ms: NaN, lost: 0 };
  await sleep(KILL_AFTER_MS());
  const before = run.workers();
  const victim = before[0];
  if (victim === undefined) throw new Error(`${peer.name}: no worker to kill`);
  const t0 = now();
  process.kill(victim, "SIGKILL");
  const got = await firstAnswer(port, (r) => r.pid !== undefined && !before.includes(r.pid), 20_000);
  return { ms: got.t - t0, lost: got.lost };
}

/** One start of `peer`: its cold start, and with `full` the other three measurements; always stopped by pid. */
async function session(peer: Peer, full: boolean): Promise<Sample> {
  const port = await freePort();
  await sleep(QUIET_MS);
  const run = peer.start(port);
  try {
    const first = await waitFor(run.watched, () => get(port), { pollMs: POLL_MS, deadlineMs: 30_000 });
    const coldMs = first.t - run.t0;
    if (!full) {
      return { coldMs, rssKiB: NaN, helpersKiB: NaN, helpers: "", rps: NaN, failed: 0, respawnMs: NaN, lostPolls: 0 };
    }
    await until(`${peer.name}: ${peer.workers} workers`, () => run.workers().length === peer.workers);
    await sleep(SETTLE_MS);
    const rss: number[] = [];
    const help: number[] = [];
    let helpers = "";
    for (let i = 0; i < RSS_SAMPLES; i++) {
      if (i > 0) await sleep(RSS_EVERY_MS);
      const m = memory(run);
      rss.push(m.rss);
      help.push(m.helpers);
      helpers = m.names;
    }
    if (peer.startOnly) {
      return {
        coldMs,
        rssKiB: median(rss),
        helpersKiB: median(help),
        helpers,
        rps: NaN,
        failed: 0,
        respawnMs: NaN,
        lostPolls: 0,
      };
    }
    await wrk(port, "/", WARM_S);
    const load = await wrk(port, "/", LOAD_S);
    const kill = await killOne(peer, run, port);
    return {
      coldMs,
      rssKiB: median(rss),
      helpersKiB: median(help),
      helpers,
      rps: load.rps,
      failed: load.non2xx + load.socketErrors,
      respawnMs: kill.ms,
      lostPolls: kill.lost,
    };
  } finally {
    await run.stop();
  }
}

const mib = (kib: number): number => kib / 1024;
const all = (xs: readonly number[], digits = 0): string => xs.map((v) => fmt(v, digits)).join(", ");

function render(
  peers: readonly Peer[],
  got: Map<string, Sample[]>,
  cold: Map<string, number[]>,
  skipped: readonly string[],
  versions: readonly string[],
  took: number,
  loads: [string, string],
  nodeStart: string | undefined,
): string {
  const col = (name: string, f: (s: Sample) => number): number[] => (got.get(name) ?? []).map(f);
  const colds = (name: string): number[] => cold.get(name) ?? [];
  const med = (name: string): Medians => ({
    coldMs: median(colds(name)),
    rssMiB: mib(median(col(name, (s) => s.rssKiB))),
    rps: median(col(name, (s) => s.rps)),
  });
  const base = med("alone");
  const rows = peers.map((p) => {
    const m = med(p.name);
    const helpers = median(col(p.name, (s) => s.helpersKiB));
    const names = [...new Set((got.get(p.name) ?? []).map((s) => s.helpers).filter(Boolean))].join(", ");
    const respawn = col(p.name, (s) => s.respawnMs);
    return [
      p.label,
      `${fmt(m.coldMs)} (${fmt(Math.min(...colds(p.name)))}–${fmt(Math.max(...colds(p.name)))})`,
      ratio(m.coldMs, base.coldMs),
      `${fmt(m.rssMiB, 1)} (${all(col(p.name, (s) => mib(s.rssKiB)), 1)})`,
      p.counted,
      helpers > 0 ? `${fmt(mib(helpers), 1)} (${names})` : "0",
      p.startOnly ? "—" : `${fmt(m.rps)} (${all(col(p.name, (s) => s.rps))})`,
      p.startOnly ? "—" : ratio(m.rps, base.rps),
      p.workers < 2 || p.startOnly ? "—" : `${fmt(median(respawn))} (${all(respawn)})`,
    ];
  });
  const widest = (series: readonly number[][]): number =>
    Math.max(...series.filter((xs) => xs.length > 1).map((xs) => Math.max(...xs) / Math.min(...xs)), 1);
  const spread = (f: (s: Sample) => number): number =>
    widest(peers.filter((p) => !p.startOnly).map((p) => col(p.name, f)));
  const failed = peers.flatMap((p) => col(p.name, (s) => s.failed)).reduce((a, b) => a + b, 0);
  const of = (name: string): Medians => (got.has(name) ? med(name) : { coldMs: NaN, rssMiB: NaN, rps: NaN });
  const checks = targets(of);
  const markdown = [
    `Reproduce: \`${COMMAND}\` (≈ ${fmt(took / 60)} min; \`--quick\` checks the harness and writes nothing). ` +
    `The worker is \`bench/peers/worker.mjs\` (plain JavaScript, \`node:http\`, no tsx, no Hono), 2 workers under every supervisor. ` +
    `${ROUNDS} rounds after one warm-up round (cold start only, thrown away), the order of the cases rotated each round; ` +
    `medians, each run's figure in parentheses; cold starts: ${COLD_ROUNDS} more rounds of starts alone follow, their median is over all ${
      ROUNDS + COLD_ROUNDS
    }. MiB = VmRSS / 1024.`,
    "",
    ...machineLines(new Date()).filter((l) => !l.startsWith("- Date")),
    ...versions.map((v) => `- ${v}`),
    `- Load average before ${loads[0]}, after ${loads[1]} (2 cores; other sessions share them)`,
    "",
    table([
      "case",
      `cold start to first 200, ms (${ROUNDS + COLD_ROUNDS} starts: median, min–max)`,
      "vs alone",
      "idle RSS, MiB",
      "RSS counts",
      "+ other children, MiB",
      `req/s, wrk -t2 -c64 -d${LOAD_S}s`,
      "vs alone",
      "SIGKILL → new pid answers, ms",
    ], rows),
    "",
    "Targets (issue 10), each from the medians above:",
    "",
    table(["target", "measured", "result"], checks.map((t) => [t.target, t.measured, t.result])),
    "",
    "Each supervisor runtime's floor (`bench/peers/floor.mjs`: the runtime starts, spawns the 2 workers on the inherited socket with the API that can hand them fd 3 " +
    "there, reads their output; nothing else) beside bento-kit on it. bento-kit's own cost is the difference; the room is what the target leaves any supervisor over the floor:",
    "",
    table([
      "runtime",
      "floor cold start",
      "bento-kit cold start",
      "bento-kit adds",
      "target",
      "floor idle RSS",
      "bento-kit idle RSS",
      "bento-kit adds",
      "target",
    ], floorRows(of)),
  ].join("\n");
  const notes = [
    'bento-kit runs `serve` on a JSON manifest (`api.command: [node, worker.mjs, "{fd}"]`) with its defaults (admin API and metrics on); ' +
    `the supervisor command comes from \`bentoKitArgv\` in bench/_lib/start.ts. ${supervisorCommandNote()} (dist/ is built at the start of the run.)`,
    "circus keeps its defaults except its endpoints (ipc:// in a temp dir, multicast discovery off): it checks its processes every `check_delay` = 5 s, " +
    "which is most of its SIGKILL-to-replacement time (the kill comes 0.3 to 5.3 s, uniform, after wrk for every case, so it falls anywhere in that period). pm2 gets a fresh PM2_HOME per start, so its cold start includes starting its God daemon; " +
    "in cluster mode that daemon is also the primary that accepts connections and hands them to the workers.",
    `wrk saw ${failed} failed requests (non-2xx or socket errors) in all runs.`,
    `Spread between the rounds of one case (largest max/min over the cases): cold start ${
      fmt(widest(peers.map((p) => colds(p.name))), 1)
    }x, ` +
    `req/s ${
      fmt(spread((s) => s.rps), 1)
    }x. A ratio between two cases closer to 1 than that is within this run's noise: ` +
    "bento-kit's and circus's pools serve alike (the workers accept on the one socket the supervisor holds; no request passes through the supervisor).",
    `After each SIGKILL a GET / on a fresh connection starts every ${POLL_MS} ms, without waiting for the previous ones (at most ${MAX_IN_FLIGHT} in flight), ` +
    `each given up after ${POLL_TIMEOUT_MS} ms; the time is that of the first answer from a new pid. Polls that failed (reset or no answer) until then, summed over the rounds: ` +
    peers.filter((p) => p.workers > 1 && !p.startOnly).map((p) =>
      `${p.name} ${col(p.name, (s) => s.lostPolls).reduce((a, b) => a + b, 0)}`
    ).join(", ") + ".",
    ...(skipped.length > 0 ? [`Not run: ${skipped.join("; ")}.`] : []),
    ...(nodeStart ? [nodeStart] : []),
  ];
  return renderSection({ title: PEERS_TITLE, markdown, notes }) +
    `\n_Took ${fmt(took)} s; load average before ${loads[0]}, after ${loads[1]}._\n`;
}

/**
 * How long `node -e 0` takes here, median of 5, with this environment and
 * without NODE_EXTRA_CA_CERTS: Node reads that file at every start, so where it
 * is set it weighs on every Node process of every case alike.
 */
function nodeStartNote(): string | undefined {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra === undefined) return undefined;
  const time = (env: NodeJS.ProcessEnv) =>
    median(Array.from({ length: 5 }, () => {
      const t = now();
      spawnSync(process.execPath, ["-e", "0"], { env, stdio: "ignore" });
      return now() - t;
    }));
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
  return `This environment sets NODE_EXTRA_CA_CERTS (${extra}), which Node reads at every start: \`node -e 0\` takes ` +
    `${fmt(time(process.env))} ms here, ${
      fmt(time(without))
    } ms without it. Every Node process of every case pays it ` +
    "(the lone worker, each worker, the Node supervisor), so a supervisor's fixed start-up cost weighs less against the lone worker than it would without.";
}

/** What this benchmark may have left running, by command line (besides the run marker in the environment). */
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const STRAYS = new RegExp(
  [WORKER, `circus.circusd ${tmpdir()}/bento-bench-circus-`, `God Daemon (${tmpdir()}/bento-bench-pm2-`].map(escape)
    .join("|"),
);

async function main(): Promise<void> {
  buildDist();
  const t0 = now();
  const before = loadavg();
  const skipped: string[] = [];
  const versions: string[] = [];
  const peers: Peer[] = [alone, ...RUNTIMES.flatMap((rt) => [floor(rt), bentoKit(rt)])];
  for (const [peer, check] of [[circus, circusAvailable], [pm2Cluster, pm2Available]] as const) {
    const c = check();
    if (c.ok) {
      peers.push(peer);
      versions.push(c.versions);
    } else {
      skipped.push(`${peer.name} (${c.why})`);
      log(`${peer.name} is not run: ${c.why}`);
    }
  }
  log(`peers: warm-up round (${peers.map((p) => p.name).join(", ")}; load average ${before})`);
  for (const p of peers) log(`warm-up ${p.name}: first 200 at ${fmt((await session(p, false)).coldMs)} ms`);
  const got = new Map<string, Sample[]>(peers.map((p) => [p.name, []]));
  const cold = new Map<string, number[]>(peers.map((p) => [p.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of rotate(peers, r)) {
      const s = await session(p, true);
      got.get(p.name)!.push(s);
      cold.get(p.name)!.push(s.coldMs);
      log(
        `round ${r + 1}/${ROUNDS} ${p.name}: cold ${fmt(s.coldMs)} ms, RSS ${fmt(mib(s.rssKiB), 1)} MiB` +
          `${s.helpers ? ` (+${fmt(mib(s.helpersKiB), 1)} ${s.helpers})` : ""}, ${fmt(s.rps)} req/s, respawn ${
            fmt(s.respawnMs)
          } ms`,
      );
    }
  }
  for (let r = 0; r < COLD_ROUNDS; r++) {
    for (const p of rotate(peers, ROUNDS + r)) cold.get(p.name)!.push((await session(p, false)).coldMs);
    log(
      `cold-start round ${r + 1}/${COLD_ROUNDS}: ${
        peers.map((p) => `${p.name} ${fmt(cold.get(p.name)!.at(-1)!)} ms`).join(", ")
      }`,
    );
  }
  const text = render(peers, got, cold, skipped, versions, (now() - t0) / 1000, [before, loadavg()], nodeStartNote());
  console.log(`\n${text}`);
  if (!QUICK) {
    const file = join(BENCH, "RESULTS.md");
    writeFileSync(
      file,
      putSection(
        existsSync(file) ? readFileSync(file, "utf8") : "# bento-kit benchmark results\n\n",
        PEERS_TITLE,
        text,
      ),
    );
    log("wrote its section into bench/RESULTS.md");
  }
}

try {
  await main();
} finally {
  const left = leftovers(STRAYS);
  if (left.length > 0) {
    console.error(`LEFTOVER processes:\n${left.join("\n")}`);
    process.exitCode = 1;
  }
}
