/**
 * The gRPC modes, `serve --grpc` (runners started here) and
 * `start-grpc-server` (runners remote): the gRPC pool and, with metrics on,
 * its metrics server (`prom_server`) on `--metrics-host:--metrics-port`.
 * BentoML's serve_grpc_production and start_grpc_server.
 */
import { ok, type Result } from "neverthrow";
import type { OptionInvalid, RunnerMapInvalid } from "../../core/errors.ts";
import { buildGrpcSpec, type GrpcOptions, grpcOptionsOf, METRICS_SOCKET } from "../../core/grpc-spec.ts";
import type { RemoteRunners } from "../../core/runner-map-input.ts";
import { packageModule } from "../../package-file.ts";
import { runnerMapPlugin } from "../../../plugins/runner-map.ts";
import { findExecutable } from "../../runtime/shared/_which.ts";
import { defineMode, listenUrl, type Mode } from "../mode.ts";
import { metricsLine, reachableUrl } from "./_lines.ts";
import { GRPC_TLS, REFUSED } from "./_refusals.ts";
import { remoteRunners, remoteRunnersNote } from "./_remote.ts";

/** The metrics server's module (src/metrics-server/main.ts, or main.js in the compiled package); found when planned. */
function metricsServerModule(): string {
  return packageModule("src/metrics-server/main");
}

export interface GrpcModeOptions {
  readonly grpc: GrpcOptions;
  /** start-grpc-server's remote runners; serve --grpc: none (runners start here). */
  readonly runners?: RemoteRunners;
}

export function grpcMode(remote: boolean): Mode<GrpcModeOptions> {
  return defineMode<GrpcModeOptions>({
    name: remote ? "start-grpc-server" : "serve --grpc",
    protocol: "gRPC",
    groups: [
      "listen",
      "api-workers",
      "worker",
      remote ? "remote-runners" : "runner-sockets",
      "tls",
      "grpc",
      "metrics",
      "grpc-metrics",
      "admin",
      "log",
      ...(remote ? [] : ["production" as const]),
    ],
    only: { tls: GRPC_TLS },
    refusals: {
      tls: REFUSED.tlsGrpc,
      development: REFUSED.development,
      "runner-server": REFUSED.runnerServer,
      ...(remote ? { "runner-sockets": REFUSED.unixSockets } : { "remote-runners": REFUSED.remoteRunners }),
    },
    options: (v, loaded, input): Result<GrpcModeOptions, OptionInvalid | RunnerMapInvalid> =>
      remote
        ? remoteRunners(v, loaded, input).map((r) => ({ grpc: grpcOptionsOf(v), runners: r.runners }))
        : ok({ grpc: grpcOptionsOf(v) }),
    buildSpec: ({ service }, o, ctx) =>
      buildGrpcSpec(service, o.serve, o.mode.grpc, {
        ...ctx,
        runners: o.mode.runners,
        metricsServerModule: metricsServerModule(),
        metrics: o.metrics,
      }),
    plugins: (o) => [runnerMapPlugin({ unixSockets: o.serve.unixSockets, remote: o.mode.runners })],
    notes: ({ service }, o) => [
      ...(o.mode.runners ? [remoteRunnersNote({ runners: o.mode.runners })] : []),
      ...(service.grpc?.reusePort && !canHoldReusePort()
        ? [
          `Warning: this runtime (Node ${process.version}) cannot bind with SO_REUSEPORT: port ${o.serve.port} was ` +
          "checked free but is not held while the gRPC workers run (with perl on PATH, Node >= 22.12, Bun and Deno hold it)",
        ]
        : []),
    ],
    startLines: ({ service }, o, addressOf) => {
      const scheme = o.tls ? "https" : "http";
      const metrics = addressOf(METRICS_SOCKET);
      return [
        ...(o.metrics && metrics
          ? [metricsLine("gRPC BentoServer", service.name, reachableUrl(o.mode.grpc.metricsHost, metrics))]
          : []),
        `Starting ${remote ? "bare" : "production"} gRPC BentoServer from "${service.name}" ` +
        `${remote ? "running" : "listening"} on ${listenUrl(o.serve.host, addressOf(), scheme)} (Press CTRL+C to quit)`,
      ];
    },
  });
}

/** Node binds with SO_REUSEPORT from libuv 1.49 (Node 22.12); the Bun and Deno adapters bind through libc. */
function canHoldReusePort(): boolean {
  if ("Bun" in globalThis || "Deno" in globalThis) return true;
  // The Node adapter sets SO_REUSEPORT on its reservation from a perl child (runtime/node/_listen-helper.ts).
  if (findExecutable("perl", "/", process.env.PATH ?? "") !== undefined) return true;
  const [major = 0, minor = 0] = (process.versions.uv ?? "0.0").split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 49);
}
