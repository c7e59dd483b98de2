/**
 * What `start-grpc-server` and `serve --grpc` share: the gRPC flags, their
 * options, the launch plan (gRPC pool + metrics server with the monitoring
 * plugin, unless --no-metrics; runners local or remote) and the start lines,
 * for the launch pipeline (_launch.ts).
 */
import { resolve } from "node:path";
import { packageModule } from "../package-file.ts";
import type { ArgsDef } from "citty";
import {
  buildGrpcSpec,
  GRPC_DEFAULTS,
  type GrpcFlags,
  type GrpcOptions,
  resolveGrpcOptions,
} from "../core/grpc-spec.ts";
import { type RemoteRunners, resolveRunnerMap } from "../core/runner-map-input.ts";
import { resolveServeOptions, type ServeOptions } from "../core/serve-options.ts";
import { runnerMapPlugin } from "../../plugins/runner-map.ts";
import { combineProblems, type LaunchPlan, listenUrl } from "./_launch.ts";
import { metricsEnabled, metricsPlugins } from "./_metrics-settings.ts";
import { serveFlagsFrom } from "./_options-table.ts";

export const grpcArgs = {
  "enable-reflection": {
    type: "boolean",
    description:
      "gRPC workers serve server reflection (BENTO_GRPC_ENABLE_REFLECTION, {enable_reflection}) (default off)",
  },
  "enable-channelz": {
    type: "boolean",
    description: "gRPC workers serve channelz (BENTO_GRPC_ENABLE_CHANNELZ, {enable_channelz}) (default off)",
  },
  "max-concurrent-streams": {
    type: "string",
    valueHint: "N",
    description:
      "Most concurrent streams per gRPC connection (BENTO_GRPC_MAX_CONCURRENT_STREAMS, {max_concurrent_streams})",
  },
  "protocol-version": {
    type: "string",
    valueHint: "VERSION",
    description:
      "gRPC protocol version handed to workers, v1 or v1alpha1 (BENTO_GRPC_PROTOCOL_VERSION, {protocol_version}) (default v1)",
  },
  "metrics-host": {
    type: "string",
    valueHint: "HOST",
    description: `Address of the metrics server (Prometheus text) (default ${GRPC_DEFAULTS.metricsHost})`,
  },
  "metrics-port": {
    type: "string",
    valueHint: "PORT",
    description: `Port of the metrics server (default ${GRPC_DEFAULTS.metricsPort})`,
  },
} as const satisfies ArgsDef;

export interface GrpcServeOptions extends ServeOptions {
  readonly grpc: GrpcOptions;
  /** start-grpc-server: the remote runners; serve --grpc: none (runners start here). */
  readonly runners?: RemoteRunners;
  /** The metrics server and the monitoring plugin (off with --no-metrics or BENTO_NO_METRICS=1). */
  readonly metrics: boolean;
}

/** The metrics server's module (src/metrics-server/main.ts, or main.js in the compiled package), run like any module worker. */
export const METRICS_SERVER_MODULE = packageModule("src/metrics-server/main");

function grpcFlagsFrom(raw: Readonly<Record<string, unknown>>): GrpcFlags {
  return {
    enableReflection: raw["enable-reflection"] as boolean | undefined,
    enableChannelz: raw["enable-channelz"] as boolean | undefined,
    maxConcurrentStreams: raw["max-concurrent-streams"] as string | undefined,
    protocolVersion: raw["protocol-version"] as string | undefined,
    metricsHost: raw["metrics-host"] as string | undefined,
    metricsPort: raw["metrics-port"] as string | undefined,
  };
}

/**
 * The launch plan of a gRPC command. `depends` are the `--depends` values of
 * start-grpc-server; `remote` false is `serve --grpc` (runners started here).
 */
export function grpcPlan(
  raw: Readonly<Record<string, unknown>>,
  remote: { readonly depends: readonly string[] } | false,
): LaunchPlan<GrpcServeOptions> {
  return {
    serviceDir: (raw.service as string | undefined) ?? ".",
    debug: Boolean(raw.debug),
    admin: raw as LaunchPlan["admin"],
    options: ({ service, dir }, env) => {
      const serve = resolveServeOptions(serveFlagsFrom(raw, (p) => resolve(p)), env, {
        ...service.serve,
        workingDir: dir,
      });
      const grpc = resolveGrpcOptions(grpcFlagsFrom(raw));
      const runners = remote
        ? resolveRunnerMap(
          {
            depends: remote.depends.length > 0 ? remote.depends : undefined,
            runnerMap: raw["runner-map"] as string | undefined,
          },
          env,
          service,
        )
        : undefined;
      return combineProblems(serve, runners ? [grpc, runners] : [grpc])
        .map((o) => ({
          ...o,
          grpc: grpc.unwrapOr(undefined as never),
          runners: runners?.unwrapOr({}),
          metrics: metricsEnabled(raw as { metrics?: boolean }, env),
        }));
    },
    buildSpec: ({ service }, options, ctx) =>
      buildGrpcSpec(service, options, options.grpc, {
        ...ctx,
        runners: options.runners,
        metricsServerModule: METRICS_SERVER_MODULE,
        metrics: options.metrics,
      }),
    plugins: (_, options) => [
      runnerMapPlugin({ unixSockets: options.unixSockets, remote: options.runners }),
      ...metricsPlugins(options.metrics),
    ],
    notes: ({ service }, options) => [
      ...(options.runners ? [`Using remote runners: ${JSON.stringify(options.runners)}`] : []),
      ...(service.grpc?.reusePort && !canHoldReusePort()
        ? [
          `Warning: this runtime (Node ${process.version}) cannot bind with SO_REUSEPORT: port ${options.port} was checked ` +
          "free but is not held while the gRPC workers run (Node >= 22.12, Bun and Deno hold it)",
        ]
        : []),
      ...(options.metrics
        ? [
          `Prometheus metrics for gRPC BentoServer from "${service.name}" can be accessed at ` +
          `${
            listenUrl(options.grpc.metricsHost === "0.0.0.0" ? "127.0.0.1" : options.grpc.metricsHost, {
              kind: "tcp",
              host: "",
              port: options.grpc.metricsPort,
              family: 4,
            })
          }.`,
        ]
        : []),
    ],
    startLine: ({ service }, options, address) =>
      `Starting ${options.runners ? "bare" : "production"} gRPC BentoServer from "${service.name}" ` +
      `${options.runners ? "running" : "listening"} on ${listenUrl(options.host, address)} (Press CTRL+C to quit)`,
  };
}

/** Node binds with SO_REUSEPORT from libuv 1.49 (Node 22.12); the Bun and Deno adapters bind through libc. */
function canHoldReusePort(): boolean {
  if ("Bun" in globalThis || "Deno" in globalThis) return true;
  const [major = 0, minor = 0] = (process.versions.uv ?? "0.0").split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 49);
}
