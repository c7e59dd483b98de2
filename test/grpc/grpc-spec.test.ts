import { expect, test } from "bun:test";
import { buildGrpcSpec, grpcOptionsOf } from "../../src/core/grpc-spec.ts";
import { resolveOptions } from "../../src/core/options/resolve.ts";
import { optionsOf } from "../../src/core/options/table.ts";

/** The gRPC options from flags, through the options table as the commands resolve them. */
function resolveGrpcOptions(flags: Record<string, unknown>) {
  return resolveOptions(optionsOf(["grpc", "grpc-metrics"]), { flags, env: {}, cwd: "/", serviceDir: "/" })
    .map(grpcOptionsOf);
}
import { resolveServeOptions, validateManifest } from "../../mod.ts";

const manifest = (grpc: unknown) => ({
  name: "svc",
  api: { command: ["api"] },
  grpc,
  runners: { m: { command: ["m"] } },
});

function build(grpc: unknown, flags = {}, runners?: Record<string, string>, metrics = true) {
  const service = validateManifest(manifest(grpc), "f")._unsafeUnwrap();
  const serve = resolveServeOptions({ apiWorkers: "2" }, {}, { workingDir: "/srv" })._unsafeUnwrap();
  const options = resolveGrpcOptions(flags)._unsafeUnwrap();
  return buildGrpcSpec(service, serve, options, {
    runDir: "/run/x",
    cpuCount: 3,
    environ: {},
    runners,
    metricsServerModule: "/kit/metrics.ts",
    metrics,
  });
}

test("serve --grpc: runners, the gRPC pool on the held socket and one metrics server on 0.0.0.0:3001", () => {
  const spec = build({ command: ["g", "--fd", "{fd}", "--reflect={enable_reflection}"] }, { enableReflection: true })
    ._unsafeUnwrap();
  expect(spec.command).toBe("serve");
  expect(spec.publicSocket).toBe("grpc");
  expect(spec.sockets).toEqual([
    { kind: "tcp", name: "grpc", host: "0.0.0.0", port: 3000, backlog: 2048 },
    { kind: "tcp", name: "metrics", host: "0.0.0.0", port: 3001, backlog: 2048 },
  ]);
  expect(spec.watchers.map((w) => [w.name, w.role, w.workers, w.sockets])).toEqual([
    ["runner:m", "runner", 1, ["m"]],
    ["grpc_api_server", "grpc", 2, ["grpc"]],
    ["prom_server", "metrics", 1, ["metrics"]],
  ]);
  const [, grpc, metrics] = spec.watchers;
  expect(grpc!.env).toMatchObject({
    BENTO_POOL: "grpc_api_server",
    BENTO_GRPC_ENABLE_REFLECTION: "true",
    BENTO_GRPC_ENABLE_CHANNELZ: "false",
    BENTO_GRPC_PROTOCOL_VERSION: "v1",
  });
  expect(grpc!.env.BENTO_GRPC_MAX_CONCURRENT_STREAMS).toBeUndefined();
  expect(metrics!.command).toEqual({ kind: "module", module: "/kit/metrics.ts", args: [] });
  expect(metrics!.singleton).toBe(true);
  expect(grpc!.singleton).toBeUndefined();
  expect(spec.vars).toMatchObject({ enable_reflection: "true", enable_channelz: "false", protocol_version: "v1" });
});

test("metrics off (--no-metrics): no metrics socket and no prom_server pool", () => {
  const spec = build({ command: ["g"] }, {}, undefined, false)._unsafeUnwrap();
  expect(spec.sockets.map((s) => s.name)).toEqual(["grpc"]);
  expect(spec.watchers.map((w) => w.name)).toEqual(["runner:m", "grpc_api_server"]);
});

test("reusePort: the workers get no socket, the supervisor reserves the port (bound with SO_REUSEPORT, not listening)", () => {
  const spec = build(
    { command: ["py", "--port", "{port}", "--streams", "{max_concurrent_streams}"], reusePort: true },
    { maxConcurrentStreams: "100" },
  )._unsafeUnwrap();
  expect(spec.sockets[0]).toEqual({
    kind: "tcp",
    name: "grpc",
    host: "0.0.0.0",
    port: 3000,
    backlog: 2048,
    reusePort: true,
    reserve: true,
  });
  expect(spec.watchers[1]!.sockets).toEqual([]);
  expect(spec.watchers[1]!.env.BENTO_GRPC_MAX_CONCURRENT_STREAMS).toBe("100");
});

test("start-grpc-server: remote runners only, the map must name every runner", () => {
  const spec = build({ command: ["g"] }, {}, { m: "tcp://10.0.0.5:3001" })._unsafeUnwrap();
  expect(spec.command).toBe("start-grpc-server");
  expect(spec.watchers.map((w) => w.name)).toEqual(["grpc_api_server", "prom_server"]);
  expect(build({ command: ["g"] }, {}, {})._unsafeUnwrapErr().kind).toBe("RunnerMapInvalid");
});

test("errors: no grpc pool, {fd} in a reusePort pool, a placeholder without its option, bad flags", () => {
  expect(build(undefined)._unsafeUnwrapErr().message).toContain("declares no gRPC pool");
  expect(validateManifest(manifest({ command: ["g", "{fd}"], reusePort: true }), "f")._unsafeUnwrapErr().message)
    .toContain("grpc.command");
  expect(validateManifest(manifest({ command: ["g"], reusePort: "yes" }), "f")._unsafeUnwrapErr().message).toContain(
    "grpc.reusePort",
  );
  expect(build({ command: ["g", "{max_concurrent_streams}"] })._unsafeUnwrapErr().message).toContain(
    "{max_concurrent_streams}",
  );
  expect(resolveGrpcOptions({ protocolVersion: "v2" })._unsafeUnwrapErr().message).toContain("v1 or v1alpha1");
  expect(resolveGrpcOptions({ metricsPort: "70000" })._unsafeUnwrapErr().option).toBe("--metrics-port");
  expect(resolveGrpcOptions({ maxConcurrentStreams: "0" })._unsafeUnwrapErr().option).toBe("--max-concurrent-streams");
});
