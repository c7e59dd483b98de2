import { expect, test } from "bun:test";
import type { LaunchSpec, WatcherSpec } from "../../src/core/types.ts";
import { denoPermissionFlags, resolveWorkerRuntimes } from "../../src/core/worker-runtime.ts";

const watcher = (
  name: string,
  role: WatcherSpec["role"],
  command: WatcherSpec["command"],
  sockets: string[],
): WatcherSpec => ({
  name,
  role,
  command,
  workers: 2,
  env: {},
  workerEnv: [],
  cwd: "/srv",
  sockets,
  respawn: true,
  gracefulTimeout: 1,
  priority: 0,
  keepStdin: false,
});
const spec: LaunchSpec = {
  command: "serve",
  service: "s",
  runDir: "/r",
  vars: {},
  sockets: [
    { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 64 },
    { kind: "unix", name: "iris", path: "/r/iris.sock", backlog: 64 },
    { kind: "unix", name: "py", path: "/r/py.sock", backlog: 64 },
    { kind: "tcp", name: "grpc", host: "0.0.0.0", port: 3001, backlog: 64 },
  ],
  watchers: [
    watcher("api_server", "api", { kind: "module", module: "/srv/api.ts", args: [] }, ["api"]),
    watcher("runner:iris", "runner", { kind: "module", module: "/srv/runner.ts", args: [], runtime: "node" }, ["iris"]),
    watcher("runner:py", "runner", { kind: "argv", argv: ["python3", "r.py"] }, ["py"]),
    watcher("grpc_api_server", "grpc", { kind: "module", module: "/srv/grpc.ts", args: [] }, ["grpc"]),
  ],
};

test("under Deno, module workers default to Deno and their sockets become SO_REUSEPORT reservations; Node and argv pools keep fds", () => {
  const resolved = resolveWorkerRuntimes(spec, "deno");
  expect(resolved.watchers.map((w) => (w.command.kind === "module" ? w.command.runtime : "argv"))).toEqual([
    "deno",
    "node",
    "argv",
    "node",
  ]);
  expect(resolved.sockets).toEqual([
    { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 64, reusePort: true, reserve: true },
    spec.sockets[1]!,
    spec.sockets[2]!,
    spec.sockets[3]!,
  ]);
});

test("a Bun runner's Unix socket becomes a loopback TCP reservation; under Node nothing changes but the runtimes filled in", () => {
  const bunRunner = {
    ...spec,
    watchers: spec.watchers.map((
      w,
    ) => (w.name === "runner:iris"
      ? { ...w, command: { kind: "module", module: "/srv/runner.ts", args: [], runtime: "bun" } }
      : w)
    ),
  } as LaunchSpec;
  expect(resolveWorkerRuntimes(bunRunner, "node").sockets[1]).toEqual({
    kind: "tcp",
    name: "iris",
    host: "127.0.0.1",
    port: 0,
    backlog: 64,
    reusePort: true,
    reserve: true,
  });
  expect(resolveWorkerRuntimes(spec, "node").sockets).toEqual(spec.sockets);
});

test("a Deno API or runner worker that answers /metrics gets --allow-net whole; without metrics, its own addresses only", () => {
  const grant = (env: Record<string, string>) =>
    denoPermissionFlags({ listen: ["127.0.0.1:4000"], env, cwd: "/srv", runDir: "/run/x", extra: [] })
      .filter((f) => f.startsWith("--allow-net"));
  const metrics = { BENTO_METRICS_DIR: "/run/x/metrics", PROMETHEUS_MULTIPROC_DIR: "/run/x/metrics/runner:iris.1" };
  expect(grant({ ...metrics, BENTO_POOL: "runner:iris" })).toEqual(["--allow-net"]);
  expect(grant({ ...metrics, BENTO_POOL: "api_server" })).toEqual(["--allow-net"]);
  expect(grant({ BENTO_POOL: "runner:iris" })).toEqual(["--allow-net=127.0.0.1:4000"]);
});
