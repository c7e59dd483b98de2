/**
 * Starting processes: a supervisor on one runtime, or one worker alone on an
 * inherited socket. Each start keeps its output lines with their arrival time.
 */
import { nodeModuleArgv, stripsTypes } from "../../src/runtime/shared/_node-binary.ts";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import * as net from "node:net";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { BENCH, ROOT, type Runtime } from "./config.ts";
import { now } from "./stats.ts";

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

/** Spawns `argv` (stdin ignored, stdout and stderr kept as lines, `stdio3` handed over as fd 3) with this run's environment. */
export function startProc(
  name: string,
  argv: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; stdio3?: number; cwd?: string } = {},
): Proc {
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
    name,
    pid: child.pid,
    t0,
    child,
    lines,
    seen: new Map(),
    exited: new Promise((res) =>
      child.once("exit", (code, signal) => {
        proc.exitedAt = now();
        res({ code, signal });
      })
    ),
    onLine(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return proc;
}

/**
 * The `bento-kit` command on `rt`, the one place the benchmarks take it from:
 * package.json's "bin" (bin/bento-kit.mjs) on that runtime, as `npx
 * bento-kit`, `bunx --bun bento-kit` and `deno run -A npm:bento-kit` run it.
 * In a checkout that bin runs src/ (through tsx on Node). Once dist/ is built
 * (`buildDist()`, `npm run build`; `npm install` builds it too) every runtime
 * runs the compiled CLI instead, as an installed package does: a copy of the
 * bin in bench/.tmp/installed/bin beside a dist/ symlink, where it finds no
 * src/ and loads dist/.
 */
export const bentoKitArgv = (rt: Runtime): string[] => runScriptArgv(rt, installedBin());

/** How the benchmarks run a JavaScript file on `rt` (Deno with every permission). */
export function runScriptArgv(rt: Runtime, script: string): string[] {
  switch (rt) {
    case "node":
      return [process.execPath, script];
    case "bun":
      return [join(ROOT, "node_modules/.bin/bun"), script];
    case "deno":
      return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", script];
  }
}

/** Whether the supervisors run the compiled CLI (dist/ is built). */
export const runsDist = (): boolean => existsSync(join(ROOT, "dist/src/cli/main.js"));

/** What the supervisors run, for the result notes. */
export const supervisorCommandNote = (): string =>
  runsDist()
    ? "Every supervisor runs the compiled CLI (dist/, as installed from npm: bin/bento-kit.mjs outside a source checkout) on its runtime."
    : "The supervisors run bin/bento-kit.mjs in a checkout without dist/: from src/, through tsx on Node and natively on Bun and Deno.";

/** package.json's "bin" for bento-kit; with dist/ built, its copy in the installed layout described above. */
function installedBin(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin?: string | Record<string, string> };
  const bin = resolve(ROOT, (typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.["bento-kit"]) ?? "bin/bento-kit.mjs");
  if (!runsDist()) return bin;
  const installed = join(BENCH, ".tmp/installed");
  mkdirSync(join(installed, "bin"), { recursive: true });
  if (!existsSync(join(installed, "dist"))) symlinkSync(join(ROOT, "dist"), join(installed, "dist"));
  const copy = join(installed, relative(ROOT, bin));
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(bin, copy);
  return copy;
}

/** Builds dist/ (scripts/build.mjs, a few seconds) so that the Node command runs the current code compiled. */
export function buildDist(): void {
  const script = join(ROOT, "scripts/build.mjs");
  if (existsSync(script)) {
    execFileSync(process.execPath, [script], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], timeout: 300_000 });
  }
}

/** argv of the supervisor on `rt`, serving `serviceDir` on 127.0.0.1:`port`. */
export function supervisorArgv(rt: Runtime, serviceDir: string, port: number, extra: readonly string[] = []): string[] {
  return [...bentoKitArgv(rt), "serve", serviceDir, "--host", "127.0.0.1", "--port", String(port), ...extra];
}

/** The supervisor on `rt`; `opts.args` are more `serve` flags, `opts.env` more environment. */
export function startSupervisor(
  rt: Runtime,
  serviceDir: string,
  port: number,
  opts: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Proc {
  return startProc(`supervisor(${rt})`, supervisorArgv(rt, serviceDir, port, opts.args), { env: opts.env });
}

/** `bento-kit <args>` on the node supervisor (e.g. start-runner-server, start-http-server). */
export function startCommand(name: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): Proc {
  return startProc(name, [...bentoKitArgv("node"), ...args], { env: opts.env });
}

/**
 * One worker alone, the way the supervisor would start it but without one:
 * bind 127.0.0.1:`port` here (bind only, no listen), hand it over as fd 3 with
 * LISTEN_FDS=1, LISTEN_FDNAMES=api and LISTEN_PID set to the worker's own pid
 * (sh sets it, then execs `argv`), and close our copy.
 */
export function startAloneArgv(
  argv: readonly string[],
  port: number,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Proc {
  const create = (net as unknown as {
    _createServerHandle(address: string, port: number, addressType: number): { fd: number; close(): void } | number;
  })._createServerHandle;
  const handle = create("127.0.0.1", port, 4);
  if (typeof handle === "number") throw new Error(`cannot bind 127.0.0.1:${port} (errno ${handle})`);
  try {
    return startProc("alone", ["sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh", ...argv], {
      env: { LISTEN_FDS: "1", LISTEN_FDNAMES: "api", BENTO_WORKER_ID: "1", ...opts.env },
      stdio3: handle.fd,
      cwd: opts.cwd,
    });
  } finally {
    handle.close();
  }
}

/**
 * A `module` worker alone, with the argv a Node supervisor gives it (src/runtime/shared/_node-binary.ts: on a
 * Node that strips types, the TypeScript preload with Node's compile cache; else the tsx loader).
 */
export const startAlone = (module: string, port: number, env: NodeJS.ProcessEnv = {}): Proc =>
  startAloneArgv(nodeModuleArgv(module, process.execPath, stripsTypes()), port, { env, cwd: dirname(module) });

/**
 * One worker alone on `rt`: Node on an inherited socket (startAlone); Bun and
 * Deno listening themselves on 127.0.0.1:`port` with SO_REUSEPORT, as a
 * supervisor's reservation tells them (BENTO_REUSEPORT_SOCKETS).
 */
export function startAloneOn(rt: Runtime, module: string, port: number, env: NodeJS.ProcessEnv = {}): Proc {
  if (rt === "node") return startAlone(module, port, env);
  const binary = join(ROOT, "node_modules/.bin", rt);
  const argv = rt === "bun" ? [binary, module] : [binary, "run", "-A", "--unstable-net", module];
  const reuse = { BENTO_REUSEPORT_SOCKETS: JSON.stringify({ api: `tcp://127.0.0.1:${port}` }), BENTO_WORKER_ID: "1" };
  return startProc(`alone(${rt})`, argv, { env: { ...reuse, ...env }, cwd: dirname(module) });
}
