/**
 * Start `bento-kit serve` as a real process under node, bun or deno, wait for
 * its start-up line, and find its workers through /proc. While the supervisor
 * runs, every process below it (and its process group) is recorded every
 * 100 ms (less often on a machine with many processes: pollRecord); `cleanup()` (every e2e file's afterEach) stops the supervisor, then
 * fails the test if any recorded process or group member is still alive, and
 * kills it. `gone()` makes the same check inside a test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { compiledCli } from "./compiled-cli.ts";
import { createProcRecord, describeProcs, killLeftovers, type Proc, type ProcRecord } from "./procs.ts";

export const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
export const RUNTIMES = ["node", "bun", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The Node supervisor's CLI: compiled when dist/ is up to date (compiled-cli.ts), once per test file. */
const NODE_CLI = compiledCli(ROOT) ?? join(ROOT, "bin", "bento-kit.mjs");

/**
 * What bento-kit left in the temp dir `tmp`, the compile caches of what runs the Node supervisor
 * aside: tsx's (tsx-UID) from source, Node's own (node-compile-cache) for the compiled CLI.
 */
export function leftInTemp(tmp: string): string[] {
  return readdirSync(tmp).filter((f) => !f.startsWith("tsx-") && f !== "node-compile-cache");
}

export function supervisorArgv(runtime: Runtime): string[] {
  if (runtime === "node") return [process.execPath.endsWith("node") ? process.execPath : "node", NODE_CLI];
  if (runtime === "bun") return [join(BIN, "bun"), join(ROOT, "mod.ts")];
  return [join(BIN, "deno"), "run", "-A", join(ROOT, "mod.ts")];
}

export interface Served {
  readonly child: ChildProcess;
  readonly pid: number;
  port: number;
  output(): string;
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpMatchArray | undefined>;
  /** Pids of every live process below the supervisor (recorded for the leak check). */
  descendants(): number[];
  /** What was ever seen below the supervisor (pids and groups), polled while it runs. */
  readonly procs: ProcRecord;
  /**
   * Wait (up to `ms`) until nothing recorded runs any more: no recorded process
   * and no member of a recorded process group. Resolves to what is left.
   */
  leftovers(ms?: number): Promise<Proc[]>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const started: Served[] = [];

export function run(runtime: Runtime, args: string[], env: Record<string, string> = {}): Served {
  return runCommand(supervisorArgv(runtime), args, env);
}

/** The shortest wait between two records of a supervisor's processes. */
const RECORD_EVERY_MS = 100;
/** A record (it reads every process on the machine) waits this many times its own duration before the next. */
const RECORD_SHARE = 20;

/**
 * Records `procs` now and again every 100 ms, or less often when a record takes longer than
 * 5 ms: at most a twentieth of a core per running service. A record reads every process's
 * /proc/PID/stat (16-20 µs each here), so a test with 1024 workers made every record in the test
 * file running beside it (two files run at once) cost 20 ms, which every 50 ms was 40 % of a core;
 * every 50 ms and ten times its duration, the records took a tenth of a core per service, about a
 * tenth of the whole suite's CPU (two files at a time on 2 cores, each with a service most of
 * the time). What is recorded lives longer than that: workers, their children, the processes that
 * escape from them.
 */
function pollRecord(procs: ProcRecord): { stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const started = performance.now();
    procs.record();
    timer = setTimeout(tick, Math.max(RECORD_EVERY_MS, (performance.now() - started) * RECORD_SHARE));
  };
  tick();
  return { stop: () => clearTimeout(timer) };
}

/** `run`, with the supervisor started by `command` (e.g. deno with named permissions instead of -A). */
export function runCommand(command: readonly string[], args: string[], env: Record<string, string> = {}): Served {
  const [cmd, ...pre] = command;
  const child = spawn(cmd!, [...pre, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    // stdin is a pipe the test never writes: a worker that inherited it would not see /dev/null.
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const procs = createProcRecord(child.pid!);
  const poll = pollRecord(procs);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      poll.stop();
      resolve(code);
    })
  );
  const served: Served = {
    child,
    pid: child.pid!,
    port: 0,
    exited,
    procs,
    async leftovers(ms = 3000) {
      const end = Date.now() + ms;
      let left = procs.leftovers();
      while (left.length > 0 && Date.now() < end) {
        await sleep(50);
        left = procs.leftovers();
      }
      return left;
    },
    output: () => out,
    async waitForOutput(pattern, ms = 20_000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) return out.match(pattern) ?? undefined;
        await sleep(20);
      }
      return undefined;
    },
    descendants: () => procs.record().map((p) => p.pid),
    stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
  started.push(served);
  return served;
}

/** How long a service of `workers` workers may take to be ready, on a loaded machine. */
export function readyMsFor(workers: number): number {
  return 30_000 + workers * 60;
}

/**
 * The timeout of a test that starts `services` services one after another (each up to 4 workers, more with
 * `workers`): the wait for each to be ready, plus its stop and leftovers check. Never bun's 5 s default, which a
 * loaded machine exceeds starting one service.
 */
export function serviceTestMs(services = 1, workers = 4): number {
  return services * (readyMsFor(workers) + 15_000);
}

/**
 * Start serving and wait for the "Starting production" line; the port comes from it. `argv` replaces the
 * supervisor's command; `readyMs` is the wait (a service of many workers gives `readyMsFor(workers)`).
 */
export async function serve(
  runtime: Runtime,
  service: string,
  args: string[] = [],
  env: Record<string, string> = {},
  argv = supervisorArgv(runtime),
  readyMs = readyMsFor(4),
): Promise<Served> {
  // A flag given twice is a usage error: the test's own --host or --port replaces the default.
  const host = args.includes("--host") ? [] : ["--host", "127.0.0.1"];
  const port = args.includes("--port") ? [] : ["--port", "0"];
  const s = runCommand(argv, ["serve", service, ...port, ...host, ...args], env);
  const m = await s.waitForOutput(/listening on https?:\/\/\S+:(\d+) \(Press CTRL\+C to quit\)/, readyMs);
  if (!m) throw new Error(`serve did not start:\n${s.output()}`);
  s.port = Number(m[1]);
  return s;
}

/**
 * Stop whatever a test left running: SIGTERM so the supervisor removes its run
 * dir, SIGKILL if it is still alive after 5 s. Then the leak check: anything
 * recorded below the supervisor (a process, or a member of its process group)
 * still alive 3 s later is killed and fails the test, listed by command line.
 */
/**
 * The afterEach timeout for `cleanup`: each service gets 5 s for its graceful stop, then SIGKILL, then up to
 * 3 s for its processes to go (`leftovers`), all services at once; the rest is room for a loaded machine.
 */
export const CLEANUP_MS = 30_000;

export async function cleanup(): Promise<void> {
  const leaks = await Promise.all(
    started.splice(0).map(async (s) => {
      s.descendants();
      if (s.child.exitCode === null) s.child.kill("SIGTERM");
      await Promise.race([s.exited, sleep(5000)]);
      if (s.child.exitCode === null) s.child.kill("SIGKILL");
      await s.exited;
      const left = await s.leftovers();
      const runDir = runDirOf(s.output());
      if (runDir?.includes("/bento-kit-")) rmSync(runDir, { recursive: true, force: true });
      if (left.length === 0) return [];
      killLeftovers(left);
      return [`bento-kit ${s.child.spawnargs.slice(2).join(" ")} left behind:\n  ${describeProcs(left)}`];
    }),
  );
  if (leaks.flat().length > 0) throw new Error(`Processes outlived their supervisor:\n${leaks.flat().join("\n")}`);
}

/** True while `pid` runs (a zombie waiting for its reaper counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every live process whose parent chain leads to `root` (zombies excluded). */
export function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") parent.set(Number(entry), Number(fields[1]));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let p: number | undefined = pid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 50; depth++) {
      p = parent.get(p);
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** POST a JSON body on a fresh connection; resolves to status, body and the answering worker's pid. */
export async function post(
  port: number,
  path: string,
  body: string,
): Promise<{ status: number; body: string; pid: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    body,
    headers: { connection: "close" },
    keepalive: false,
  });
  return { status: res.status, body: await res.text(), pid: res.headers.get("x-bento-worker-pid") };
}

export function runDirOf(output: string): string | undefined {
  return output.match(/unix:\/\/(\/[^"]+)\/[^/"]+\.sock/)?.[1];
}

/** The run dir from a worker's environment (Bun and Deno runners are on TCP: no socket path in the output). */
export function runDirOfWorkers(pids: readonly number[]): string | undefined {
  for (const pid of pids) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      const dir = env.find((e) => e.startsWith("BENTO_METRICS_DIR="))?.slice("BENTO_METRICS_DIR=".length);
      if (dir) return dir.replace(/\/metrics$/, "");
    } catch { /* gone */ }
  }
  return undefined;
}

export { existsSync };
