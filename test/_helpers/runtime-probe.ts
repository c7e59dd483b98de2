/**
 * Probe: serve through the adapter of the runtime running it (node --import
 * tsx, bun, or deno run -A). Binds TCP sockets on 127.0.0.1, ::1 and
 * localhost plus a Unix socket, starts a Node worker that serves HTTP on the
 * inherited fds 3..6 and leaves a grandchild, requests every socket, kills the
 * process group, then serves once more from a TypeScript module started with
 * `moduleArgv`. Prints `{"started": pid}` per process (so the test can clean
 * up after a crash), then `{"result": {...}}`. Works in $BK_PROBE_DIR.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcessHandle, RuntimePort } from "../../src/core/ports.ts";
import type { BoundSocket, SocketSpec } from "../../src/core/types.ts";
import { createRuntime, detectRuntime } from "../../src/runtime/detect.ts";
import { httpGet, pidAlive, report, runProbe, waitFor } from "./probe-util.ts";

const WORKER = `
const http = require("http");
const { spawn } = require("child_process");
for (const fd of [3, 4, 5, 6]) {
  http.createServer((req, res) => res.end("fd" + fd + " pid " + process.pid)).listen({ fd });
}
const grandchild = spawn("sleep", ["300"], { stdio: "ignore" });
process.stdout.write("ready grandchild=" + grandchild.pid + "\\n");
process.stderr.write("no newline at the end");
`;

const TS_WORKER = `
import { createServer } from "node:http";
const answer: string = "typescript worker";
createServer((_req, res) => res.end(answer)).listen({ fd: 3 });
`;

interface Watched {
  child: ChildProcessHandle;
  lines: [string, string][];
  exit?: [number | null, string | null];
}

async function start(runtime: RuntimePort, argv: readonly string[], fds: number[], cwd: string): Promise<Watched> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const child = (await runtime.spawn({ argv, env, cwd, fds, keepStdin: false }))._unsafeUnwrap();
  report({ started: child.pid });
  const w: Watched = { child, lines: [] };
  child.onLine((stream, line) => w.lines.push([stream, line]));
  child.onExit((code, signal) => (w.exit = [code, signal]));
  return w;
}

/**
 * `rounds` children (after one more to warm up), one after the other, each writing READY=1 to its notify
 * pipe and exiting: the READY lines seen, and how many more fds this process
 * holds afterwards (a pipe end left open per child would show as `rounds`).
 */
async function notifyRounds(
  runtime: RuntimePort,
  cwd: string,
  rounds: number,
): Promise<{ ready: number; fdsGained: number }> {
  const fds = () => readdirSync("/proc/self/fd").length;
  let before = 0;
  let ready = 0;
  // Round 0 is a warm-up: what the runtime opens once for its first child (Deno: 2 fds) is not counted.
  for (let i = 0; i <= rounds; i++) {
    if (i === 1) [before, ready] = [fds(), 0];
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const child = (await runtime.spawn({
      argv: ["/bin/sh", "-c", "echo READY=1 >&3"],
      env,
      cwd,
      fds: [],
      keepStdin: false,
      notify: true,
    }))._unsafeUnwrap();
    let exited = false;
    child.onNotify?.((line) => line === "READY=1" && ready++);
    child.onExit(() => (exited = true));
    await waitFor(() => exited);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { ready, fdsGained: fds() - before };
}

function get(b: BoundSocket): Promise<string> {
  const a = b.address;
  return httpGet(a.kind === "unix" ? { socketPath: a.path } : { host: a.host, port: a.port });
}

runProbe(async () => {
  const runtime = await createRuntime();
  const dir = process.env.BK_PROBE_DIR ?? mkdtempSync(join(tmpdir(), "bk-probe-"));
  const bound: BoundSocket[] = [];
  try {
    const specs: SocketSpec[] = [
      { kind: "tcp", name: "v4", host: "127.0.0.1", port: 0, backlog: 64 },
      { kind: "tcp", name: "v6", host: "::1", port: 0, backlog: 64 },
      { kind: "tcp", name: "named", host: "localhost", port: 0, backlog: 64 },
      { kind: "unix", name: "unix", path: join(dir, "r.sock"), backlog: 64 },
    ];
    for (const spec of specs) bound.push((await runtime.bind(spec))._unsafeUnwrap());
    // Sent before any worker exists: the kernel queues it until the worker accepts (the supervisor never does).
    const early = get(bound[0]!);
    const w = await start(runtime, ["node", "-e", WORKER], bound.map((b) => b.fd), dir);
    const bodies: Record<string, string> = { early: await early };
    for (const b of bound) bodies[b.spec.name] = await get(b);
    await waitFor(() => w.lines.some(([, l]) => l.startsWith("ready")));
    const grandchild = Number(w.lines.find(([, l]) => l.startsWith("ready"))?.[1].split("=")[1]);
    const aliveBefore = runtime.groupAlive(w.child.pid);
    const killed = runtime.killGroup(w.child.pid, "SIGKILL");
    await waitFor(() => w.exit !== undefined);
    const groupGone = await waitFor(() => !runtime.groupAlive(w.child.pid));

    writeFileSync(join(dir, "worker.ts"), TS_WORKER);
    const argv = runtime.moduleArgv(join(dir, "worker.ts"), { runtime: "node", denoFlags: [] });
    const ts = await start(runtime, argv, [bound[0]!.fd], dir);
    const tsBody = await get(bound[0]!).catch((e: Error) => `failed: ${e.message}`);
    runtime.killGroup(ts.child.pid, "SIGTERM");
    await waitFor(() => ts.exit !== undefined);
    const notify = await notifyRounds(runtime, dir, 30);
    return {
      runtime: detectRuntime(),
      name: runtime.name,
      addresses: bound.map((b) => b.address),
      bodies,
      pid: w.child.pid,
      lines: w.lines,
      exit: w.exit,
      aliveBefore,
      killed,
      groupGone,
      grandchildGone: !pidAlive(grandchild),
      killAfterGone: runtime.killGroup(w.child.pid, "SIGTERM"),
      moduleArgv: argv,
      tsBody,
      tsExit: ts.exit,
      notify,
    };
  } finally {
    for (const b of bound) runtime.close(b);
    if (!process.env.BK_PROBE_DIR) runtime.removeDir(dir);
  }
});
