import { expect, test } from "bun:test";
import { buildSpawnRequest } from "../../src/core/spawn-request.ts";
import type { BoundSocket, SpawnPlan } from "../../mod.ts";

const sockets = new Map<string, BoundSocket>([
  ["api", { spec: { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 1 }, fd: 21, address: { kind: "tcp", host: "0.0.0.0", port: 3000, family: 4 } }],
  ["iris", { spec: { kind: "unix", name: "iris", path: "/r/iris.sock", backlog: 1 }, fd: 22, address: { kind: "unix", path: "/r/iris.sock" } }],
]);
const plan = (argv: string[], socketNames = ["api"], vars: Record<string, string> = {}): SpawnPlan => ({
  pool: "api_server", role: "api", workerId: 2, command: { kind: "argv", argv }, env: { A: "1" }, cwd: "/srv",
  sockets: socketNames, vars: { backlog: "2048", ...vars }, keepStdin: false,
});

test("sockets become fds 3, 4, ... announced by the systemd protocol through a LISTEN_PID shim", () => {
  const req = buildSpawnRequest(plan(["server", "--fd", "{fd}", "--runner", "{fd:iris}", "--id={worker_id}", "--backlog", "{backlog}"], ["api", "iris"]), sockets, (m) => [m])._unsafeUnwrap();
  expect(req.fds).toEqual([21, 22]);
  expect(req.env).toMatchObject({ A: "1", BENTO_WORKER_ID: "2", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:iris" });
  expect(req.env.LISTEN_PID).toBeUndefined();
  expect(req.argv.slice(0, 4)).toEqual(["/bin/sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "bento-kit-worker"]);
  expect(req.argv.slice(4)).toEqual(["server", "--fd", "3", "--runner", "4", "--id=2", "--backlog", "2048"]);
});

test("a worker with no socket runs directly, with no LISTEN_* variables", () => {
  const req = buildSpawnRequest(plan(["job"], []), sockets, (m) => [m])._unsafeUnwrap();
  expect(req.argv).toEqual(["job"]);
  expect(req.env.LISTEN_FDS).toBeUndefined();
});

test("a placeholder with no value for this pool is an error naming it", () => {
  const error = buildSpawnRequest(plan(["server", "--timeout", "{timeout}"]), sockets, (m) => [m])._unsafeUnwrapErr();
  expect(error.message).toBe("Pool api_server: placeholder {timeout} has no value for this pool (set its option, e.g. --timeout for {timeout}, or drop it from the command)");
});

test("a socket nothing bound is an error naming the pool and the socket", () => {
  const error = buildSpawnRequest(plan(["server"], ["ghost"]), sockets, (m) => [m])._unsafeUnwrapErr();
  expect(error.message).toContain('Pool api_server needs socket "ghost", which nothing bound');
});

test("a module command runs through the runtime's module argv", () => {
  const req = buildSpawnRequest({ ...plan([]), command: { kind: "module", module: "/srv/api.ts", args: ["--x", "{worker_id}"] } }, sockets, (m) => ["node", "--import", "tsx", m])._unsafeUnwrap();
  expect(req.argv.slice(4)).toEqual(["node", "--import", "tsx", "/srv/api.ts", "--x", "2"]);
});
