/**
 * The worker contract (docs/worker-contract.md, README "The manifest" and
 * "serve options") as a worker sees it: every placeholder expanded, the
 * BENTO_* variables, cwd, stdin, the listen backlog, manifest file kinds, and
 * manifest plugins running after the built-in ones.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { cleanup, CLEANUP_MS, RUNTIMES, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

interface Report {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: string;
}

function reportOf(output: string, worker: string): Report {
  const m = output.match(new RegExp(`\\[${worker}\\] contract (\\{.*\\})`));
  if (!m) throw new Error(`no contract line from ${worker}:\n${output}`);
  return JSON.parse(m[1]!);
}

/** A port free a moment ago (the supervisor binds it right after). */
async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The accept-queue limit of a listening socket as the kernel has it (`ss`'s Send-Q). */
function listenBacklog(kind: "tcp" | "unix", where: string): number | undefined {
  const out = execFileSync("ss", kind === "tcp" ? ["-Hltn", `sport = :${where}`] : ["-Hlx"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => (kind === "tcp" ? l.includes(`:${where} `) : l.includes(` ${where} `)));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[kind === "tcp" ? 2 : 3]);
}

test.each([...RUNTIMES])(
  "supervisor on %s: every placeholder is expanded, the BENTO_* options are set, cwd is the working dir, stdin is /dev/null, --backlog reaches the kernel",
  async (runtime) => {
    const wd = realpathSync(mkdtempSync("/tmp/bento-kit-test-wd-"));
    try {
      const port = await freePort();
      const s = await serve(runtime, "test/_fixtures/contract-service", [
        "--port",
        String(port),
        "--working-dir",
        wd,
        "--backlog",
        "77",
        "--timeout",
        "11",
        "--timeout-keep-alive",
        "3",
        "--timeout-graceful-shutdown",
        "4",
      ]);
      await s.waitForOutput(/\[api_server:1\] contract /);
      await s.waitForOutput(/\[runner:m:1\] contract /);
      const api = reportOf(s.output(), "api_server:1");
      const runner = reportOf(s.output(), "runner:m:1");
      const runnerAddress = JSON.parse(api.env.BENTO_RUNNER_MAP!).m as string;
      expect(runnerAddress).toMatch(/^unix:\/\/\/.*\/m\.sock$/);
      // The twelve placeholders, in the order the manifest lists them.
      expect(s.port).toBe(port);
      expect(api.argv).toEqual([
        "3",
        "3",
        "1",
        JSON.stringify({ m: runnerAddress }),
        wd,
        "127.0.0.1",
        String(s.port),
        "77",
        "11",
        "3",
        "4",
        "contract",
      ]);
      expect(runner.argv).toEqual(["3", "3", "1", "contract"]);
      for (const r of [api, runner]) {
        expect(r.env).toMatchObject({
          BENTO_WORKING_DIR: wd,
          BENTO_BACKLOG: "77",
          BENTO_TIMEOUT: "11",
          BENTO_TIMEOUT_KEEP_ALIVE: "3",
          BENTO_TIMEOUT_GRACEFUL_SHUTDOWN: "4",
          BENTO_SERVICE: "contract",
          BENTO_WORKER_ID: "1",
          LISTEN_FDS: "1",
          LISTEN_PID: String(r.pid),
        });
        expect(r.cwd).toBe(wd);
        expect(r.stdin).toBe("/dev/null");
      }
      expect(api.env).toMatchObject({ BENTO_POOL: "api_server", LISTEN_FDNAMES: "api" });
      expect(runner.env).toMatchObject({ BENTO_POOL: "runner:m", BENTO_RUNNER_NAME: "m", LISTEN_FDNAMES: "m" });
      // The workers never listen again, so the sockets keep the supervisor's backlog.
      expect(listenBacklog("tcp", String(s.port))).toBe(77);
      expect(listenBacklog("unix", runnerAddress.slice("unix://".length))).toBe(77);
    } finally {
      rmSync(wd, { recursive: true, force: true });
    }
  },
  40_000,
);

test("{port} is the port really bound when --port 0 picks one", async () => {
  const s = await serve("node", "test/_fixtures/contract-service", ["--port", "0"]);
  await s.waitForOutput(/\[api_server:1\] contract /);
  const api = reportOf(s.output(), "api_server:1");
  expect(s.port).toBeGreaterThan(0);
  expect(api.argv[6]).toBe(String(s.port));
}, 40_000);

// bento-kit/worker's serve() keeping --backlog when it adopts the socket: test/serve/backlog.test.ts.

describe.each(["manifest-mts", "manifest-js"])("a service whose manifest is %s", (dir) => {
  test.each([...RUNTIMES])("loads and serves under %s", async (runtime) => {
    const s = await serve(runtime, `test/_fixtures/${dir}`);
    await s.waitForOutput(/\[api_server:1\] sd worker 1 listening/);
    const res = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } });
    expect(res.status).toBe(200);
    expect(await s.stop("SIGTERM")).toBe(0);
  }, 30_000);
});

test("manifest plugins run after the built-in ones; onExit { respawn: false } keeps a worker down", async () => {
  const s = await serve("node", "test/_fixtures/order-service");
  for (const w of ["api_server:1", "api_server:2", "runner:echo:1"]) {
    await s.waitForOutput(new RegExp(`\\[${w}\\] sd worker \\d listening`));
  }
  const info = async () =>
    (await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } })).json() as Promise<
      { pid: number; workerId: string; custom: string }
    >;
  const byId = new Map<string, { pid: number; custom: string }>();
  for (let i = 0; i < 100 && byId.size < 2; i++) {
    for (const x of await Promise.all([info(), info(), info()])) byId.set(x.workerId, x);
  }
  expect([...byId.keys()].sort()).toEqual(["1", "2"]);
  // The built-in runner-map plugin had set BENTO_RUNNER_MAP before the manifest's plugin ran.
  for (const x of byId.values()) expect(x.custom).toBe("runner map already set");

  process.kill(byId.get("2")!.pid, "SIGKILL");
  expect(
    await s.waitForOutput(
      /worker 2 \(pid \d+\) killed by SIGKILL after [\d.]+ s; not replaced: a plugin asked not to respawn it/,
    ),
  ).toBeDefined();
  const answers = await Promise.all(Array.from({ length: 10 }, info));
  expect(new Set(answers.map((a) => a.workerId))).toEqual(new Set(["1"]));
  // Worker 2 stayed down: when worker 1 dies too, the pool has lost its last worker.
  process.kill(byId.get("1")!.pid, "SIGKILL");
  expect(await s.exited).toBe(1);
  expect(s.output()).toMatch(/Pool api_server lost its last worker: worker 1 .* a plugin asked not to respawn it/);
  expect(s.output()).not.toMatch(/\[api_server:2\] sd worker 2 listening[\s\S]*\[api_server:2\] sd worker 2 listening/);
}, 40_000);
