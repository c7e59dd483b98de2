/**
 * CPU profiles of the Node iris workers under load, the current code and an
 * older build (BASE_REF, default d2044e3) in one run: each serves
 * examples/iris under the Node supervisor with a CPU profiler
 * preloaded through NODE_OPTIONS (_lib/cpu-prof.mjs; Node refuses `--cpu-prof` there)
 * (workers inherit it), wrk drives POST /classify, and on the graceful stop
 * every worker writes its profile. Prints, per build and per pool, worker
 * CPU per request and the functions with the most self time (µs per request),
 * so the two builds can be compared function by function.
 *
 * `node --import tsx bench/profile-workers.ts [--quick]`; profiles are kept in bench/.tmp/profiles/<build>/
 * (open them in Chrome DevTools). BENCH_PROFILE_TOP=<n> rows per table (default 25).
 * BENCH_PROFILE_BUILDS=current,bare compares the defaults with `--no-access-log --no-metrics`
 * instead (default: current,<BASE_REF>).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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
  QUICK,
  startSupervisor,
  whileServing,
  wrk,
} from "./_lib/mod.ts";
import { BASE_REF, startBaseIris } from "./_lib/base.ts";

const SECONDS = QUICK ? 3 : 8;
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 25);
const SCRIPT = join(BENCH, "classify.lua");

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** Sampled time (µs) per function within [from, to] (monotonic µs): its own (self) and with its callees (total). */
interface Times {
  readonly self: Map<string, number>;
  readonly total: Map<string, number>;
  busy: number;
}

const keyOf = (f: ProfileNode["callFrame"]): string => {
  const where = f.url === ""
    ? ""
    : ` ${f.url.replace(/^.*\/(node_modules|src|examples|dist)\//, "$1/")}:${f.lineNumber + 1}`;
  return `${f.functionName || "(anonymous)"}${where}`;
};

function addTimes(into: Times, profile: Profile, from: number, to: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) return;
    const leaf = byId.get(id)!;
    const name = keyOf(leaf.callFrame);
    if (name === "(idle)") return;
    into.busy += dt;
    into.self.set(name, (into.self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byId.get(n)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      into.total.set(k, (into.total.get(k) ?? 0) + dt);
    }
  });
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function profileBuild(build: string, dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const env = {
    NODE_OPTIONS: `--import ${pathToFileURL(join(BENCH, "_lib/cpu-prof.mjs")).href}`,
    BENCH_CPU_PROF_DIR: dir,
    BENCH_CPU_PROF_MATCH: "iris/(api|runner)\\.ts$",
  };
  const proc = build === "current" || build === "bare"
    ? startSupervisor("node", IRIS, port, { env, args: build === "bare" ? ["--no-access-log", "--no-metrics"] : [] })
    : startBaseIris("node", port, env);
  const pools = new Map<number, string>();
  const cpu = await whileServing(proc, { workers: 4, probe: () => classify(port) }, async () => {
    await wrk(port, "/classify", 2, SCRIPT);
    for (const pid of descendantsOf(proc.pid)) {
      const m = /iris\/(api|runner)\.ts/.exec(cmdline(pid));
      if (m) pools.set(pid, m[1]!);
    }
    const c0 = new Map([...pools.keys()].map((pid) => [pid, cpuMs(pid)]));
    const from = monotonicUs();
    const r = await wrk(port, "/classify", SECONDS, SCRIPT);
    const to = monotonicUs();
    const requests = r.rps * SECONDS;
    const perPool = new Map<string, number>();
    for (const [pid, pool] of pools) perPool.set(pool, (perPool.get(pool) ?? 0) + cpuMs(pid) - c0.get(pid)!);
    log(`${build}: ${fmt(r.rps)} req/s, load ${loadavg()}`);
    return { requests, perPool, from, to };
  });
  // The measured window and who is who, for other readings of the profiles.
  writeFileSync(
    join(dir, "window.json"),
    JSON.stringify({ ...cpu, perPool: Object.fromEntries(cpu.perPool), pools: Object.fromEntries(pools) }),
  );
  for (const pool of ["api", "runner"]) {
    const times: Times = { self: new Map(), total: new Map(), busy: 0 };
    for (const [pid, p] of pools) {
      if (p !== pool) continue;
      const profile = JSON.parse(readFileSync(join(dir, `${pid}.cpuprofile`), "utf8")) as Profile;
      addTimes(times, profile, cpu.from, cpu.to);
    }
    const perReq = (us: number): string => fmt(us / cpu.requests, 1);
    console.log(
      `\n## ${build} ${pool}: ${fmt(((cpu.perPool.get(pool) ?? 0) * 1000) / cpu.requests)} µs worker CPU per request ` +
        `(/proc), ${perReq(times.busy)} µs sampled busy`,
    );
    for (const [what, map] of [["self", times.self], ["total (with callees)", times.total]] as const) {
      console.log(`\n${what}, µs per request:`);
      for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
        console.log(`${perReq(us).padStart(7)}  ${k.slice(0, 140)}`);
      }
    }
  }
}

const BUILDS = process.env.BENCH_PROFILE_BUILDS?.split(",") ?? ["current", BASE_REF];
for (const build of BUILDS) await profileBuild(build, join(BENCH, ".tmp/profiles", build));
