import { expect, test } from "bun:test";
import { buildSpawnRequest } from "../../src/core/spawn-request.ts";
import type { BoundSocket, SpawnPlan } from "../../mod.ts";

const sockets = new Map<string, BoundSocket>([
  ["api", {
    spec: { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 1 },
    fd: 21,
    address: { kind: "tcp", host: "0.0.0.0", port: 3000, family: 4 },
  }],
  ["iris", {
    spec: { kind: "unix", name: "iris", path: "/r/iris.sock", backlog: 1 },
    fd: 22,
    address: { kind: "unix", path: "/r/iris.sock" },
  }],
]);
const runner = { moduleArgv: (m: string) => [m], runDir: "/tmp/bento-kit-x" };
const plan = (argv: string[], socketNames = ["api"], vars: Record<string, string> = {}): SpawnPlan => ({
  pool: "api_server",
  role: "api",
  workerId: 2,
  command: { kind: "argv", argv },
  env: { A: "1" },
  cwd: "/srv",
  sockets: socketNames,
  vars: { backlog: "2048", ...vars },
  keepStdin: false,
});

test("sockets become fds 3, 4, ... announced by the systemd protocol through a LISTEN_PID shim", () => {
  const req = buildSpawnRequest(
    plan(["server", "--fd", "{fd}", "--runner", "{fd:iris}", "--id={worker_id}", "--backlog", "{backlog}"], [
      "api",
      "iris",
    ]),
    sockets,
    runner,
  )._unsafeUnwrap();
  expect(req.fds).toEqual([21, 22]);
  expect(req.env).toMatchObject({ A: "1", BENTO_WORKER_ID: "2", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:iris" });
  expect(req.env.LISTEN_PID).toBeUndefined();
  expect(req.argv.slice(0, 4)).toEqual([
    "/bin/sh",
    "-c",
    'LISTEN_PID=$$; export LISTEN_PID; exec "$@"',
    "bento-kit-worker",
  ]);
  expect(req.argv.slice(4)).toEqual(["server", "--fd", "3", "--runner", "4", "--id=2", "--backlog", "2048"]);
});

test("a worker with no socket runs directly, with no LISTEN_* variables", () => {
  const req = buildSpawnRequest(plan(["job"], []), sockets, runner)._unsafeUnwrap();
  expect(req.argv).toEqual(["job"]);
  expect(req.env.LISTEN_FDS).toBeUndefined();
});

test("a placeholder with no value for this pool is an error naming it", () => {
  const error = buildSpawnRequest(plan(["server", "--timeout", "{timeout}"]), sockets, runner)._unsafeUnwrapErr();
  expect(error.message).toBe(
    "Pool api_server: placeholder {timeout} has no value for this pool (set its option, e.g. --timeout for {timeout}, or drop it from the command)",
  );
});

test("a socket nothing bound is an error naming the pool and the socket", () => {
  const error = buildSpawnRequest(plan(["server"], ["ghost"]), sockets, runner)._unsafeUnwrapErr();
  expect(error.message).toContain('Pool api_server needs socket "ghost", which nothing bound');
});

test("a module command runs through the runtime's module argv", () => {
  const req = buildSpawnRequest(
    { ...plan([]), command: { kind: "module", module: "/srv/api.ts", args: ["--x", "{worker_id}"] } },
    sockets,
    { ...runner, moduleArgv: (m) => ["node", "--import", "tsx", m] },
  )._unsafeUnwrap();
  expect(req.argv.slice(4)).toEqual(["node", "--import", "tsx", "/srv/api.ts", "--x", "2"]);
});

const reserved: BoundSocket = {
  spec: { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 1, reusePort: true, reserve: true },
  fd: 30,
  address: { kind: "tcp", host: "0.0.0.0", port: 3000, family: 4 },
};

test("a reserved socket is no fd: the worker gets its address to listen on with SO_REUSEPORT", () => {
  const launches: unknown[] = [];
  const deno = {
    moduleArgv: (m: string, l: unknown) => (launches.push(l), ["deno", "run", m]),
    runDir: "/tmp/bento-kit-x",
  };
  const command = {
    kind: "module",
    module: "/srv/api.ts",
    args: [],
    runtime: "deno",
    denoPermissions: ["--allow-read=/models"],
  } as const;
  const env = { BENTO_RUNNER_MAP: JSON.stringify({ iris: "tcp://127.0.0.1:4001", other: "unix:///r/o.sock" }) };
  const req = buildSpawnRequest({ ...plan([]), command, env }, new Map([["api", reserved]]), deno)._unsafeUnwrap();
  expect(req.argv).toEqual(["deno", "run", "/srv/api.ts"]); // no LISTEN_PID shim: nothing inherited
  expect(req.fds).toEqual([]);
  expect(req.env.LISTEN_FDS).toBeUndefined();
  expect(req.env.BENTO_REUSEPORT_SOCKETS).toBe('{"api":"tcp://0.0.0.0:3000"}');
  expect(req.env.BENTO_READY_FD).toBe("3");
  expect(launches).toEqual([{
    runtime: "deno",
    denoFlags: [
      "--unstable-net",
      "--no-prompt",
      "--allow-env",
      "--allow-read=/srv,/tmp/bento-kit-x,/r/o.sock",
      "--allow-write=/tmp/bento-kit-x,/r/o.sock",
      "--allow-net=0.0.0.0:3000,127.0.0.1:4001,unix:/r/o.sock",
      "--allow-read=/models",
    ],
  }]);
});

test("Bun and Node workers get no Deno flags", () => {
  const launches: unknown[] = [];
  const spy = { moduleArgv: (m: string, l: unknown) => (launches.push(l), [m]), runDir: "/r" };
  buildSpawnRequest(
    { ...plan([]), command: { kind: "module", module: "/a.ts", args: [], runtime: "bun" } },
    sockets,
    spy,
  );
  buildSpawnRequest({ ...plan([]), command: { kind: "module", module: "/a.ts", args: [] } }, sockets, spy);
  expect(launches).toEqual([{ runtime: "bun", denoFlags: [] }, { runtime: "node", denoFlags: [] }]);
});

test("the direct log: the supervisor's fd comes after the readiness pipe, named with its format and pool", () => {
  const log = { fd: 1, format: "json" as const };
  const req = buildSpawnRequest(plan(["server"], ["api", "iris"]), sockets, { ...runner, log })._unsafeUnwrap();
  expect(req.logFd).toBe(1);
  expect(req.env).toMatchObject({
    BENTO_READY_FD: "5",
    BENTO_LOG_FD: "6",
    BENTO_LOG_FORMAT: "json",
    BENTO_LOG_POOL: "api_server",
  });
  const none = buildSpawnRequest(plan(["job"], []), sockets, { ...runner, log })._unsafeUnwrap();
  expect([none.logFd, none.env.BENTO_READY_FD, none.env.BENTO_LOG_FD]).toEqual([1, "3", "4"]);
  const off = buildSpawnRequest(plan(["job"], []), sockets, runner)._unsafeUnwrap();
  expect([off.logFd, off.env.BENTO_LOG_FD]).toEqual([undefined, undefined]);
});
