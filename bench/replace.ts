/**
 * (16) SIGKILL to replacement spawned (issue 20): the same plain Node worker
 * (bench/peers/worker.mjs) with 2 workers under bento-kit (supervisor on Node,
 * Bun and Deno, defaults) and pm2 (cluster mode), the baseline, in one run.
 * Each start kills each of its 2 workers once (a worker's first quick death is
 * replaced at once by both), then polls the supervisor's descendants in /proc
 * until a new worker.mjs process is there: from the SIGKILL to the
 * replacement's exec, with nothing of the worker's own start-up in it.
 * Rounds rotate the order of the cases; medians; ratio against pm2.
 *
 *     node --import tsx bench/replace.ts [--quick]
 */
import {
  ALONE_TITLES,
  buildDist,
  fmt,
  freePort,
  http,
  loadavg,
  log,
  mainWrites,
  median,
  now,
  QUICK,
  ratio,
  rotate,
  RUNTIMES,
  type Section,
  sleep,
  supervisorCommandNote,
  table,
  waitFor,
} from "./_lib/mod.ts";
import { bentoKit, type Peer, type Running } from "./peers/peer.ts";
import { pm2Available, pm2Cluster } from "./peers/pm2.ts";

const ROUNDS = QUICK ? 1 : 5;
/** Between a start (or the previous kill's replacement) and the next kill: the machine settles. */
const SETTLE_MS = 500;
const DEADLINE_MS = 10_000;

async function until<T>(what: string, get: () => T | undefined, deadlineMs = DEADLINE_MS): Promise<T> {
  const end = now() + deadlineMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (now() > end) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/** SIGKILL of each worker in turn; ms until a worker pid that was not there appears below the supervisor. */
async function killEach(peer: Peer, run: Running): Promise<number[]> {
  const got: number[] = [];
  const full = () => {
    const w = run.workers();
    return w.length === peer.workers ? w : undefined;
  };
  // Each victim is one of the first workers: killing a replacement again would be a second
  // quick death of its slot, which the crash-loop back-off delays (250 ms, src/core/backoff.ts).
  const first = await until(`${peer.name}: ${peer.workers} workers`, full);
  for (let k = 0; k < peer.workers; k++) {
    await sleep(SETTLE_MS);
    const before = await until(`${peer.name}: ${peer.workers} workers`, full);
    const victim = first[k]!;
    const t0 = now();
    process.kill(victim, "SIGKILL");
    const t = await until(`${peer.name}: replacement of ${victim}`, () => {
      const fresh = run.workers().some((pid) => !before.includes(pid));
      return fresh ? now() : undefined;
    });
    got.push(t - t0);
  }
  return got;
}

export async function replace(): Promise<Section> {
  buildDist();
  const pm2 = pm2Available();
  const peers: Peer[] = [...RUNTIMES.map(bentoKit), ...(pm2.ok ? [pm2Cluster] : [])];
  const got = new Map<string, number[]>(peers.map((p) => [p.name, []]));
  const loads = [loadavg()];
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of rotate(peers, round)) {
      const port = await freePort();
      const run = peer.start(port);
      try {
        await waitFor(run.watched, () => http(port, "GET", "/"), { pollMs: 10, deadlineMs: 30_000 });
        const ms = await killEach(peer, run);
        got.get(peer.name)!.push(...ms);
        log(`${peer.name}: SIGKILL -> replacement spawned ${ms.map((x) => fmt(x, 1)).join(", ")} ms`);
      } finally {
        await run.stop();
      }
    }
  }
  loads.push(loadavg());
  const base = pm2.ok ? median(got.get(pm2Cluster.name)!) : NaN;
  const rows = peers.map((p) => {
    const xs = got.get(p.name)!;
    return [p.label, fmt(median(xs), 1), xs.map((x) => fmt(x, 1)).join(", "), ratio(median(xs), base)];
  });
  return {
    title: ALONE_TITLES.replace,
    markdown: [
      `Reproduce: \`node --import tsx bench/replace.ts\`. \`bench/peers/worker.mjs\` (plain node:http) with 2 workers; ` +
      `${ROUNDS} starts of each case (order rotated), each of the first 2 workers SIGKILLed once per start (a replacement killed ` +
      "again would meet the crash-loop back-off); from the SIGKILL until a new " +
      "worker.mjs process is below the supervisor in /proc (polled on every turn of the bench's event loop). Goal: ≤ 1.0x pm2.",
      "",
      `Load average before ${loads[0]}, after ${loads[1]} (2 cores shared with other sessions' builds and tests).`,
      "",
      table(["case", "median ms", "all (ms)", "vs pm2"], rows),
    ].join("\n"),
    notes: [
      `${supervisorCommandNote()} ${pm2.ok ? pm2.versions : `pm2 not measured: ${pm2.why}`}.`,
      "pm2's God daemon is the cluster primary: the replacement is a `cluster.fork()` of it. bento-kit spawns the " +
      "worker's command in a new process group with the listening socket as fd 3.",
    ],
  };
}

await mainWrites(import.meta.url, replace);
