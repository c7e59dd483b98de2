/**
 * The chaos soak (issue 8 item 7), shared by test/serve/chaos.test.ts (short
 * form, CI) and bench/chaos.ts (long form). Runtime-neutral (node:http,
 * node:fs): runs under Bun's test runner and under Node with tsx.
 *
 * Given a running supervisor of examples/iris with its admin API, it
 *   1. warms up: paced POST /classify load plus admin reads, then idles and
 *      takes the "before" reading of the supervisor (fds, RSS, children, zombies);
 *   2. keeps the load going while a chaos loop, every 0.2-1 s (uniform, seeded),
 *      SIGKILLs one random eligible worker of either pool (see `eligible` below);
 *   3. stops killing, waits until every pool is back to full size (ready ===
 *      target, every worker `ready`), lets the load run on a moment, stops it,
 *      idles, and takes the "after" reading.
 * Stopping the supervisor and the leak check are the caller's.
 *
 * The schedule respects the crash-loop back-off (src/core/backoff.ts,
 * DEFAULT_BACKOFF, no knob): a worker id whose replacement dies within 30 s of
 * its start counts a quick death, and the 6th quick death in a row makes the
 * pool give up. The loop mirrors that count per worker id (a kill of a worker
 * whose uptime, as the admin API last reported it, is >= 30 s resets it; any
 * other kill adds one, so the mirror can only over-count) and only kills a
 * worker whose id would then stand at <= `maxStreak` quick deaths (default 4:
 * back-off <= 1 s, two deaths short of the give-up). A worker is eligible
 * only when the admin API says `ready`, it has been up `minUptimeMs`, and it is
 * not a pid already killed. A tick with no eligible worker kills nothing and
 * is counted as skipped.
 *
 * Every request goes on a fresh connection (`Connection: close`): a kept-alive
 * connection to a killed API worker would fail a request sent after the kill,
 * which no worker ever held.
 */
import { request } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { rssKiB } from "../../bench/_lib/procfs.ts";

export const CLASSIFY_BODY = "[[5.9,3.0,5.1,1.8]]";
const CLASSIFY_ANSWER = "[2]";

// ---------------------------------------------------------------- /proc readings

export interface ProcReading {
  readonly fds: number;
  /** VmRSS in KiB, median of a few reads. */
  readonly rssKiB: number;
  /** Direct children (every thread's), zombies included. */
  readonly children: number;
  /** Zombies below the supervisor (its children and their descendants), as "pid ppid comm". */
  readonly zombies: readonly string[];
}

function statFields(pid: number): { state: string; ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: f[0]!, ppid: Number(f[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) };
  } catch {
    return undefined;
  }
}

export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Direct children of `pid`, from every one of its threads. */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/)) {
          if (c) out.add(Number(c));
        }
      } catch { /* thread gone */ }
    }
  } catch { /* gone */ }
  return [...out];
}

/** Zombies whose parent is `root` or one of its descendants. */
export function zombiesBelow(root: number): string[] {
  const procs = new Map<number, { state: string; ppid: number; comm: string }>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(Number(e));
    if (f) procs.set(Number(e), f);
  }
  const below = (pid: number): boolean => {
    let p = procs.get(pid)?.ppid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 50; depth++) {
      if (p === root) return true;
      p = procs.get(p)?.ppid;
    }
    return false;
  };
  return [...procs].filter(([pid, f]) => f.state === "Z" && below(pid)).map(([pid, f]) => `${pid} ${f.ppid} ${f.comm}`);
}

/** How long an "after" reading waits for fds above `fdsBefore` to close: an admin keep-alive connection, a metrics scrape. */
const FDS_SETTLE_MS = 10_000;

/**
 * The supervisor's fds, RSS (median of five), children and zombies. With `fdsBefore`, fds above it are read
 * again until they close or FDS_SETTLE_MS pass (the fewest seen): a connection open for a moment is no leak.
 */
export async function readProc(pid: number, fdsBefore?: number): Promise<ProcReading> {
  const rss: number[] = [];
  for (let i = 0; i < 5; i++) {
    rss.push(rssKiB(pid));
    await sleep(100);
  }
  rss.sort((a, b) => a - b);
  let fds = fdCount(pid);
  for (const until = Date.now() + FDS_SETTLE_MS; fdsBefore !== undefined && fds > fdsBefore && Date.now() < until;) {
    await sleep(250);
    fds = Math.min(fds, fdCount(pid));
  }
  return { fds, rssKiB: rss[2]!, children: childPids(pid).length, zombies: zombiesBelow(pid) };
}

// ---------------------------------------------------------------- HTTP

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly pid: number | undefined;
}

function http(
  url: string,
  opts: { method: string; body?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method,
      agent: false,
      timeout: opts.timeoutMs,
      headers: {
        connection: "close",
        ...opts.headers,
        ...(opts.body === undefined
          ? {}
          : { "content-type": "application/json", "content-length": String(Buffer.byteLength(opts.body)) }),
      },
    }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => {
        const h = res.headers["x-bento-worker-pid"];
        resolve({ status: res.statusCode ?? 0, body: data, pid: typeof h === "string" ? Number(h) : undefined });
      });
      res.on("error", reject);
    });
    req.on(
      "timeout",
      () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: "TIMEOUT" })),
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

export interface AdminWorker {
  readonly id: number;
  readonly pid: number | null;
  readonly state: string;
  readonly uptimeMs: number | null;
  readonly restarts: number;
}
export interface AdminPool {
  readonly name: string;
  readonly target: number;
  readonly ready: number;
  readonly busy: string | null;
  readonly workers: readonly AdminWorker[];
}

export interface AdminApi {
  readonly url: string;
  readonly token: string;
}

/** GET /v1/pools on a fresh connection. */
export async function adminPools(admin: AdminApi): Promise<AdminPool[]> {
  const r = await http(`${admin.url}/v1/pools`, {
    method: "GET",
    headers: { authorization: `Bearer ${admin.token}` },
    timeoutMs: 10_000,
  });
  if (r.status !== 200) throw new Error(`GET /v1/pools: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return (JSON.parse(r.body) as { pools: AdminPool[] }).pools;
}

/** Every pool at its target size with every worker ready, and no scale or restart under way. */
export const full = (pools: readonly AdminPool[]): boolean =>
  pools.every((p) =>
    p.busy === null && p.ready === p.target && p.workers.length === p.target &&
    p.workers.every((w) => w.state === "ready" && w.pid !== null)
  );

/**
 * The admin URL from `Admin API and dashboard on http://127.0.0.1:PORT (token from
 * BENTO_ADMIN_TOKEN)` in the supervisor's output; `token` is the BENTO_ADMIN_TOKEN it was given.
 */
export function adminFrom(output: string, token: string): AdminApi | undefined {
  const m = /Admin API and dashboard on (http:\/\/\S+) \(token from BENTO_ADMIN_TOKEN\)/.exec(output);
  return m ? { url: m[1]!.replace(/\/$/, ""), token } : undefined;
}

// ---------------------------------------------------------------- the soak

export interface SoakOptions {
  /** Load and admin reads before the "before" reading. */
  readonly warmupMs: number;
  /** How long the chaos loop kills. */
  readonly chaosMs: number;
  /** Concurrent request loops, each at most `perClientRps` requests a second. */
  readonly clients?: number;
  readonly perClientRps?: number;
  readonly minGapMs?: number;
  readonly maxGapMs?: number;
  /** Quick deaths in a row a worker id may reach (the pool gives up at its 6th). */
  readonly maxStreak?: number;
  /** Only workers up at least this long are killed. */
  readonly minUptimeMs?: number;
  /** The supervisor's stableAfterMs (DEFAULT_BACKOFF). */
  readonly stableMs?: number;
  /** Deadline for every pool to be back to full size after the chaos. */
  readonly recoverMs?: number;
  readonly seed?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface Kill {
  /** ms since the soak began: just before and just after `kill -9`. */
  readonly t0: number;
  readonly t1: number;
  readonly pool: string;
  readonly id: number;
  readonly pid: number;
  readonly uptimeMs: number;
  /** Quick deaths in a row this id stands at after the kill (the mirror of the supervisor's count). */
  readonly streak: number;
}

export interface Req {
  readonly start: number;
  readonly end: number;
  readonly phase: "warmup" | "chaos";
  readonly status: number;
  readonly ok: boolean;
  /** "http 503", "ECONNRESET", ...; undefined when it succeeded. */
  readonly failure?: string;
  /** A socket error (no HTTP answer) rather than an HTTP error status. */
  readonly socketError: boolean;
}

export interface SoakReport {
  readonly seed: number;
  readonly options: Required<Omit<SoakOptions, "log" | "seed">>;
  readonly before: ProcReading;
  readonly after: ProcReading;
  readonly poolsBefore: AdminPool[];
  readonly poolsAfter: AdminPool[];
  readonly kills: Kill[];
  readonly ticks: number;
  readonly skipped: number;
  /** Requests of the chaos phase (from its start until the load stopped, after recovery). */
  readonly requests: Req[];
  readonly warmupRequests: number;
  readonly failed: Req[];
  /** Distinct chaos-phase requests in flight at some kill (overlapping [t0 - 0, t1 + slack]). */
  readonly inFlightAtKills: number;
  readonly inFlightAtApiKills: number;
  readonly inFlightAtRunnerKills: number;
  /** Failures not in flight at any kill of the kind that explains them (socket error: API kill; HTTP error: runner kill). */
  readonly unexplained: Req[];
  /** ms from the end of the chaos to every pool full again. */
  readonly recoveredAfterMs: number;
  /** Largest fd count, child count and zombie count sampled every 500 ms during the chaos. */
  readonly peak: { fds: number; children: number; zombies: number };
  /** When the chaos began (ms since the soak began, the clock of `Kill` and `Req`) and how long it lasted. */
  readonly chaosStart: number;
  readonly chaosMs: number;
}

/** Slack after a kill's `t1` during which a request starting may still have met the dying worker. */
const KILL_SLACK_MS = 50;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** mulberry32: a small seeded PRNG, so a soak's choices can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function chaosSoak(
  supervisorPid: number,
  port: number,
  admin: AdminApi,
  options: SoakOptions,
): Promise<SoakReport> {
  const o = {
    warmupMs: options.warmupMs,
    chaosMs: options.chaosMs,
    clients: options.clients ?? 8,
    perClientRps: options.perClientRps ?? 25,
    minGapMs: options.minGapMs ?? 200,
    maxGapMs: options.maxGapMs ?? 1000,
    maxStreak: options.maxStreak ?? 4,
    minUptimeMs: options.minUptimeMs ?? 1000,
    stableMs: options.stableMs ?? 30_000,
    recoverMs: options.recoverMs ?? 30_000,
  };
  const seed = options.seed ?? (Date.now() % 2 ** 31);
  const random = prng(seed);
  const log = options.log ?? (() => {});
  const T0 = performance.now();
  const now = () => performance.now() - T0;
  const supervisorAlive = () =>
    statFields(supervisorPid)?.state !== undefined && statFields(supervisorPid)?.state !== "Z";

  // ---- load
  const requests: Req[] = [];
  let phase: Req["phase"] = "warmup";
  let loading = false;
  const loadLoop = async (): Promise<void> => {
    const period = 1000 / o.perClientRps;
    while (loading) {
      const start = now();
      const p = phase;
      try {
        const r = await http(`http://127.0.0.1:${port}/classify`, {
          method: "POST",
          body: CLASSIFY_BODY,
          timeoutMs: 30_000,
        });
        const ok = r.status === 200 && r.body === CLASSIFY_ANSWER;
        requests.push({
          start,
          end: now(),
          phase: p,
          status: r.status,
          ok,
          socketError: false,
          ...(ok ? {} : { failure: `http ${r.status} ${r.body.slice(0, 160)}` }),
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        requests.push({
          start,
          end: now(),
          phase: p,
          status: 0,
          ok: false,
          socketError: true,
          failure: err.code ?? err.message,
        });
      }
      const wait = start + period - now();
      if (wait > 0) await sleep(wait);
    }
  };
  let loaders: Promise<void>[] = [];
  const startLoad = () => {
    loading = true;
    loaders = Array.from({ length: o.clients }, loadLoop);
  };
  const stopLoad = async () => {
    loading = false;
    await Promise.all(loaders);
  };

  // ---- 1. warm-up
  startLoad();
  const warmEnd = now() + o.warmupMs;
  while (now() < warmEnd) {
    await adminPools(admin);
    await sleep(250);
  }
  await stopLoad();
  const warmupRequests = requests.length;
  const warmFailed = requests.filter((r) => !r.ok);
  if (warmFailed.length > 0) {
    throw new Error(
      `${warmFailed.length} request(s) failed during the warm-up, before any kill: ${warmFailed[0]!.failure}`,
    );
  }
  await sleep(1000);
  const poolsBefore = await adminPools(admin);
  if (!full(poolsBefore)) throw new Error(`pools not full before the chaos: ${JSON.stringify(poolsBefore)}`);
  const before = await readProc(supervisorPid);
  log(
    `before: fds ${before.fds}, RSS ${before.rssKiB} KiB, children ${before.children}, zombies ${before.zombies.length}; ${warmupRequests} warm-up requests`,
  );
  requests.length = 0;

  // ---- 2. chaos
  phase = "chaos";
  startLoad();
  const kills: Kill[] = [];
  const killed = new Set<number>();
  const streak = new Map<string, number>();
  const peak = { fds: before.fds, children: before.children, zombies: before.zombies.length };
  let ticks = 0;
  let skipped = 0;
  const chaosStart = now();
  const chaosEnd = chaosStart + o.chaosMs;
  let nextSample = chaosStart;
  try {
    while (now() < chaosEnd) {
      const gap = o.minGapMs + random() * (o.maxGapMs - o.minGapMs);
      const tickAt = now() + gap;
      while (now() < tickAt) {
        if (now() >= nextSample) {
          nextSample += 500;
          peak.fds = Math.max(peak.fds, fdCount(supervisorPid));
          peak.children = Math.max(peak.children, childPids(supervisorPid).length);
          peak.zombies = Math.max(peak.zombies, zombiesBelow(supervisorPid).length);
        }
        await sleep(Math.min(50, Math.max(0, tickAt - now())));
      }
      if (now() >= chaosEnd) break;
      if (!supervisorAlive()) throw new Error("the supervisor exited during the chaos");
      ticks++;
      const pools = await adminPools(admin);
      const candidates: { pool: string; w: AdminWorker; after: number }[] = [];
      for (const p of pools) {
        for (const w of p.workers) {
          if (w.state !== "ready" || w.pid === null || killed.has(w.pid) || (w.uptimeMs ?? 0) < o.minUptimeMs) continue;
          const key = `${p.name}:${w.id}`;
          const after = (w.uptimeMs ?? 0) >= o.stableMs ? 0 : (streak.get(key) ?? 0) + 1;
          if (after <= o.maxStreak) candidates.push({ pool: p.name, w, after });
        }
      }
      if (candidates.length === 0) {
        skipped++;
        continue;
      }
      const c = candidates[Math.floor(random() * candidates.length)]!;
      const t0 = now();
      try {
        process.kill(c.w.pid!, "SIGKILL");
      } catch {
        skipped++; // it died between the admin read and the kill: not ours
        continue;
      }
      const t1 = now();
      killed.add(c.w.pid!);
      streak.set(`${c.pool}:${c.w.id}`, c.after);
      kills.push({ t0, t1, pool: c.pool, id: c.w.id, pid: c.w.pid!, uptimeMs: c.w.uptimeMs ?? 0, streak: c.after });
      log(
        `kill ${kills.length} at ${(t0 / 1000).toFixed(1)} s: ${c.pool}:${c.w.id} pid ${c.w.pid} up ${
          ((c.w.uptimeMs ?? 0) / 1000).toFixed(1)
        } s, quick deaths in a row now ${c.after}`,
      );
    }

    // ---- 3. recovery
    const stoppedKilling = now();
    let poolsAfter = await adminPools(admin);
    while (!full(poolsAfter)) {
      if (!supervisorAlive()) throw new Error("the supervisor exited after the chaos");
      if (now() - stoppedKilling > o.recoverMs) {
        throw new Error(`pools not back to full size within ${o.recoverMs} ms: ${JSON.stringify(poolsAfter)}`);
      }
      await sleep(100);
      poolsAfter = await adminPools(admin);
    }
    const recoveredAfterMs = now() - stoppedKilling;
    log(`every pool back to full size ${recoveredAfterMs.toFixed(0)} ms after the last tick`);
    await sleep(1000); // the replacements serve under load for a moment
    await stopLoad();
    await sleep(1000);
    poolsAfter = await adminPools(admin);
    const after = await readProc(supervisorPid, before.fds);
    log(
      `after: fds ${after.fds}, RSS ${after.rssKiB} KiB, children ${after.children}, zombies ${after.zombies.length}`,
    );

    // ---- attribution
    const overlaps = (r: Req, k: Kill) => r.start <= k.t1 + KILL_SLACK_MS && r.end >= k.t0;
    const apiKills = kills.filter((k) => k.pool === "api_server");
    const runnerKills = kills.filter((k) => k.pool !== "api_server");
    const inAny = (ks: Kill[]) => requests.filter((r) => ks.some((k) => overlaps(r, k))).length;
    const failed = requests.filter((r) => !r.ok);
    // A socket error (reset, hang-up) can only come from an API worker dying with the
    // connection; an HTTP error status from a live API worker whose runner call failed.
    const unexplained = failed.filter((r) => !(r.socketError ? apiKills : runnerKills).some((k) => overlaps(r, k)));
    return {
      seed,
      options: o,
      before,
      after,
      poolsBefore,
      poolsAfter,
      kills,
      ticks,
      skipped,
      requests,
      warmupRequests,
      failed,
      inFlightAtKills: inAny(kills),
      inFlightAtApiKills: inAny(apiKills),
      inFlightAtRunnerKills: inAny(runnerKills),
      unexplained,
      recoveredAfterMs,
      peak,
      chaosStart,
      chaosMs: stoppedKilling - chaosStart,
    };
  } finally {
    loading = false;
    await Promise.all(loaders);
  }
}

/** One line per figure, for logs and for the bench's notes. */
export function summarize(r: SoakReport): string[] {
  const byPool = (pool: (k: Kill) => boolean) => r.kills.filter(pool).length;
  const maxStreak = Math.max(0, ...r.kills.map((k) => k.streak));
  const failures = new Map<string, number>();
  for (const f of r.failed) failures.set(f.failure!.slice(0, 40), (failures.get(f.failure!.slice(0, 40)) ?? 0) + 1);
  const pct = (r.after.rssKiB / r.before.rssKiB - 1) * 100;
  return [
    `seed ${r.seed}; ${(r.chaosMs / 1000).toFixed(1)} s of chaos: ${r.ticks} ticks, ${r.kills.length} kills (${
      byPool((k) => k.pool === "api_server")
    } API, ${
      byPool((k) => k.pool !== "api_server")
    } runner), ${r.skipped} ticks with no eligible worker; highest quick-death streak ${maxStreak}`,
    `requests ${r.requests.length} (after ${r.warmupRequests} warm-up), failed ${r.failed.length}${
      failures.size ? ` (${[...failures].map(([k, v]) => `${v}x ${k}`).join(", ")})` : ""
    }; in flight at a kill ${r.inFlightAtKills} (API kills ${r.inFlightAtApiKills}, runner kills ${r.inFlightAtRunnerKills}); unexplained failures ${r.unexplained.length}`,
    `supervisor before -> after: fds ${r.before.fds} -> ${r.after.fds}, RSS ${r.before.rssKiB} -> ${r.after.rssKiB} KiB (${
      pct >= 0 ? "+" : ""
    }${
      pct.toFixed(1)
    } %), children ${r.before.children} -> ${r.after.children}, zombies ${r.before.zombies.length} -> ${r.after.zombies.length}; peaks during the chaos: fds ${r.peak.fds}, children ${r.peak.children}, zombies ${r.peak.zombies}`,
    `every pool back to full size ${r.recoveredAfterMs.toFixed(0)} ms after the chaos: ${
      r.poolsAfter.map((p) => `${p.name} ${p.ready}/${p.target}`).join(", ")
    }`,
  ];
}
