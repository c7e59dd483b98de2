/**
 * Shared helpers for the benchmarks: start a supervisor or a lone worker,
 * poll HTTP, run wrk, read /proc, stop processes by pid, find leftovers.
 * Everything listens on 127.0.0.1 only; every wait has a deadline.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import * as net from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BENCH = join(ROOT, "bench");
export const IRIS = join(ROOT, "examples/iris");
export const HELLO_SERVICE = join(BENCH, "hello-service");
export const HELLO_WORKER = join(BENCH, "hello-worker.ts");
export const IRIS_API = join(IRIS, "api.ts");
export const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
export const CLASSIFY_BODY = "[[5.9,3.0,5.1,1.8]]";

/** Marks every process this run starts (inherited through the environment) for the leftover check. */
export const RUN_ID = (process.env.BENTO_KIT_BENCH ??= `${process.pid}-${Date.now()}`);

/** `--quick`: fewer rounds and shorter loads, for checking the harness itself. */
export const QUICK = process.argv.includes("--quick");

export type Runtime = "node" | "bun" | "deno";
export const RUNTIMES: readonly Runtime[] = ["node", "bun", "deno"];

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
export const ratio = (x: number, base: number): string => fmt(x / base, 2) + "x";

/** `[first, ..., last]` rotated by `k`: interleaves the order of the cases across rounds. */
export function rotate<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]!);
}

/** A free loopback port (bound then released; a fresh one per process start). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

export interface Line {
  readonly t: number;
  readonly text: string;
}

/** A started process whose stdout/stderr lines are kept with the time they arrived. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly t0: number;
  readonly child: ChildProcess;
  readonly lines: Line[];
  /** Resolves with the exit code/signal; never rejects. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAt?: number;
  /** Every descendant pid seen so far, with its command line (to kill on a failed stop). */
  readonly seen: Map<number, string>;
  /** Call `fn` on every line from now on; returns an unsubscribe function. */
  onLine(fn: (line: Line) => void): () => void;
}

function startProc(name: string, argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdio3?: number; cwd?: string } = {}): Proc {
  const stdio: (number | "ignore" | "pipe")[] = ["ignore", "pipe", "pipe"];
  if (opts.stdio3 !== undefined) stdio.push(opts.stdio3);
  const t0 = now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", ...opts.env },
    stdio,
  });
  if (child.pid === undefined) throw new Error(`cannot spawn ${argv.join(" ")}`);
  const lines: Line[] = [];
  const listeners = new Set<(l: Line) => void>();
  const push = (text: string): void => {
    const line = { t: now(), text };
    lines.push(line);
    if (lines.length > 2000) lines.splice(0, 1000);
    for (const fn of listeners) fn(line);
  };
  createInterface({ input: child.stdout! }).on("line", push);
  createInterface({ input: child.stderr! }).on("line", push);
  const proc: Proc = {
    name, pid: child.pid, t0, child, lines, seen: new Map(),
    exited: new Promise((res) => child.once("exit", (code, signal) => {
      proc.exitedAt = now();
      res({ code, signal });
    })),
    onLine(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return proc;
}

/** argv of the supervisor on `rt`, serving `serviceDir` on 127.0.0.1:`port`. */
export function supervisorArgv(rt: Runtime, serviceDir: string, port: number): string[] {
  const serve = ["serve", serviceDir, "--host", "127.0.0.1", "--port", String(port)];
  switch (rt) {
    case "node": return [process.execPath, join(ROOT, "bin/bento-kit.mjs"), ...serve];
    case "bun": return [join(ROOT, "node_modules/.bin/bun"), join(ROOT, "mod.ts"), ...serve];
    case "deno": return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "mod.ts"), ...serve];
  }
}

export function startSupervisor(rt: Runtime, serviceDir: string, port: number): Proc {
  return startProc(`supervisor(${rt})`, supervisorArgv(rt, serviceDir, port));
}

/**
 * One worker alone, the way the supervisor would start it but without one:
 * bind 127.0.0.1:`port` here (bind only, no listen), hand it over as fd 3 with
 * LISTEN_FDS=1, LISTEN_FDNAMES=api and LISTEN_PID set to the worker's own pid
 * (sh sets it, then execs node), and close our copy.
 */
export function startAlone(module: string, port: number, env: NodeJS.ProcessEnv = {}): Proc {
  const create = (net as unknown as {
    _createServerHandle(address: string, port: number, addressType: number): { fd: number; close(): void } | number;
  })._createServerHandle;
  const handle = create("127.0.0.1", port, 4);
  if (typeof handle === "number") throw new Error(`cannot bind 127.0.0.1:${port} (errno ${handle})`);
  try {
    return startProc("alone", [
      "sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh",
      process.execPath, "--import", TSX_LOADER, module,
    ], { env: { LISTEN_FDS: "1", LISTEN_FDNAMES: "api", BENTO_WORKER_ID: "1", ...env }, stdio3: handle.fd, cwd: dirname(module) });
  } finally {
    handle.close();
  }
}

/** Direct children of `pid` (from /proc/PID/task/PID/children, falling back to a /proc scan). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function descendantsOf(pid: number, depth = 0): number[] {
  if (depth > 5) return [];
  return childrenOf(pid).flatMap((c) => [c, ...descendantsOf(c, depth + 1)]);
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** VmRSS of `pid` in KiB, or NaN when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const CLK_TCK = 100;
/** User+system CPU time of `pid` in ms (its own threads, not its children). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export const loadavg = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Remember the current descendants of `proc` (so a failed stop can still kill them). */
export function track(proc: Proc): void {
  for (const d of descendantsOf(proc.pid)) {
    const cmd = cmdline(d);
    if (cmd !== "") proc.seen.set(d, cmd);
  }
}

/**
 * SIGTERM `proc` and wait for it (at most `graceMs`); if it is still there,
 * SIGKILL it and every descendant it had. Returns how long the stop took.
 */
export async function stop(proc: Proc, graceMs = 20_000): Promise<number> {
  track(proc);
  const t = now();
  if (proc.exitedAt === undefined) {
    try {
      process.kill(proc.pid, "SIGTERM");
    } catch { /* already gone */ }
    const done = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      console.error(`${proc.name} pid ${proc.pid} ignored SIGTERM for ${graceMs} ms: SIGKILL`);
      for (const pid of [proc.pid, ...proc.seen.keys()]) {
        try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      }
      await Promise.race([proc.exited, sleep(5000)]);
    }
  }
  // Workers of a supervisor that exited must be gone too; wait briefly, then make sure.
  const still = (): number[] => [...proc.seen].filter(([pid, cmd]) => alive(pid) && cmdline(pid) === cmd).map(([pid]) => pid);
  for (let i = 0; i < 50 && still().length > 0; i++) await sleep(100);
  for (const pid of still()) {
    console.error(`leftover pid ${pid} of ${proc.name}: SIGKILL (${cmdline(pid)})`);
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
  return now() - t;
}

/** Processes still carrying this run's marker in their environment (other than this one). */
export function leftovers(): string[] {
  const found: string[] = [];
  const marker = `BENTO_KIT_BENCH=${RUN_ID}\0`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(`${entry} ${cmdline(Number(entry))}`);
    } catch { /* gone or not ours */ }
  }
  return found;
}

export interface HttpResult {
  readonly status: number;
  readonly pid: number | undefined;
  readonly body: string;
}

/** One request on a fresh connection (`Connection: close`), failing after `timeoutMs`. */
export function http(port: number, method: string, path: string, body?: string, timeoutMs = 10_000): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const req = request({
      host: "127.0.0.1", port, method, path, agent: false, timeout: timeoutMs,
      headers: { connection: "close", ...(body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }) },
    }, (r) => {
      let data = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (data += c));
      r.on("end", () => {
        const h = r.headers["x-bento-worker-pid"];
        res({ status: r.statusCode ?? 0, pid: typeof h === "string" ? Number(h) : undefined, body: data });
      });
      r.on("error", rej);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
    req.end(body);
  });
}

export const classify = (port: number): Promise<HttpResult> => http(port, "POST", "/classify", CLASSIFY_BODY);

/**
 * Repeats `attempt` every `pollMs` until it returns a 200 whose `accept` is
 * true; returns the time it happened. Throws after `deadlineMs` or if `proc` exits.
 */
export async function waitFor(proc: Proc, attempt: () => Promise<HttpResult>, opts: { deadlineMs?: number; pollMs?: number; accept?: (r: HttpResult) => boolean } = {}): Promise<{ t: number; result: HttpResult; errors: number }> {
  const deadline = now() + (opts.deadlineMs ?? 30_000);
  let errors = 0;
  let last = "";
  while (now() < deadline) {
    if (proc.exitedAt !== undefined) throw new Error(`${proc.name} exited before answering:\n${tail(proc)}`);
    try {
      const result = await attempt();
      if (result.status === 200 && (opts.accept?.(result) ?? true)) return { t: now(), result, errors };
      last = `HTTP ${result.status}`;
    } catch (e) {
      errors++;
      last = (e as Error).message;
    }
    await sleep(opts.pollMs ?? 10);
  }
  throw new Error(`${proc.name}: no accepted 200 within ${opts.deadlineMs ?? 30_000} ms (last: ${last})\n${tail(proc)}`);
}

export const tail = (proc: Proc, n = 15): string => proc.lines.slice(-n).map((l) => `  | ${l.text}`).join("\n");

/** `[pool:ID] ... (pid N) ready` as relayed by the supervisor, or `... (pid N) ready` from a lone worker. */
const READY = /^(?:\[(api_server|runner:[\w-]+):(\d+)\] )?.*\(pid (\d+)\) ready/;

export interface ReadyWorker {
  readonly pool: string;
  readonly id: number;
  readonly pid: number;
  readonly t: number;
}

/** Ready lines the supervisor relayed so far (`[pool:ID] ... (pid N) ready`). */
export function readyWorkers(proc: Proc): ReadyWorker[] {
  const out: ReadyWorker[] = [];
  for (const l of proc.lines) {
    const m = READY.exec(l.text);
    if (m) out.push({ pool: m[1] ?? "alone", id: Number(m[2] ?? 1), pid: Number(m[3]), t: l.t });
  }
  return out;
}

/** Waits until `count` distinct worker pids have printed their ready line. */
export async function waitReady(proc: Proc, count: number, deadlineMs = 30_000): Promise<void> {
  const deadline = now() + deadlineMs;
  while (new Set(readyWorkers(proc).map((w) => w.pid)).size < count) {
    if (proc.exitedAt !== undefined || now() > deadline) {
      throw new Error(`${proc.name}: fewer than ${count} workers ready\n${tail(proc)}`);
    }
    await sleep(20);
  }
  track(proc);
}

export interface WrkResult {
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  const x = Number(m[1]);
  return m[2] === "us" ? x / 1000 : m[2] === "s" ? x * 1000 : x;
}

/** `wrk -t2 -c64 -dNs --latency [-s script] URL`, parsed. */
export function wrk(port: number, path: string, seconds: number, script?: string): Promise<WrkResult> {
  const args = ["-t2", "-c64", `-d${seconds}s`, "--latency", "--timeout", "5s"];
  if (script) args.push("-s", script);
  args.push(`http://127.0.0.1:${port}${path}`);
  return new Promise((res, rej) => {
    execFile("wrk", args, { timeout: (seconds + 20) * 1000 }, (err, stdout) => {
      if (err) return rej(new Error(`wrk failed: ${err.message}\n${stdout}`));
      const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? 0);
      const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      res({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
        p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? ""),
        p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? ""),
        non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
        socketErrors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
      });
    });
  });
}

/** Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export interface Section {
  readonly title: string;
  readonly markdown: string;
  /** Readings of the numbers, written from them (so a rerun keeps them true). */
  readonly notes?: readonly string[];
}

export const renderSection = (s: Section): string =>
  `## ${s.title}\n\n${s.markdown}\n` + (s.notes?.length ? `\n${s.notes.map((n) => `- ${n}`).join("\n")}\n` : "");

/** Runs `bench` and prints its section when the file is the entry point. */
export async function mainIf(url: string, bench: () => Promise<Section>): Promise<void> {
  if (process.argv[1] === undefined || url !== pathToFileURL(resolve(process.argv[1])).href) return;
  try {
    const s = await bench();
    console.log(`\n${renderSection(s)}`);
  } finally {
    const left = leftovers();
    if (left.length > 0) {
      console.error(`LEFTOVER processes:\n${left.join("\n")}`);
      process.exitCode = 1;
    }
  }
}

export const log = (msg: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
