/**
 * The gRPC launch spec (`start-grpc-server`, `serve --grpc`): the serve spec
 * with its API pool made the gRPC pool `grpc_api_server`, plus, with metrics
 * on, one metrics server process `prom_server` (a singleton pool) on its own
 * socket (`--metrics-host`, `--metrics-port`, default 0.0.0.0:3001), as
 * BentoML's serve_grpc_production. The metrics server answers with the
 * monitoring plugin's instance scrape, so metrics on means that plugin runs
 * too (the caller adds it); metrics off: no metrics socket and no prom_server. *
 * The gRPC socket is held by the supervisor: workers adopt it (`{fd}`,
 * LISTEN_FDS), or, for a pool with `reusePort: true` (Python grpcio), bind
 * `{host}:{port}` themselves with SO_REUSEPORT while the supervisor holds the
 * port bound with SO_REUSEPORT and never listening (a `reserve` socket).
 */
import { err, type Result } from "neverthrow";
import { remoteApiSpec } from "./component-specs.ts";
import { optionInvalid, type RunnerMapInvalid, type SpecError } from "./errors.ts";
import { GRPC_SOCKET, type ServiceDef } from "./manifest.ts";
import { buildReadySpec } from "./ready-input.ts";
import type { RemoteRunners } from "./runner-map-input.ts";
import { type BuildContext, planServeSpec } from "./serve-spec.ts";
import type { ServeOptions } from "./serve-options.ts";
import { checkLaunchSpec } from "./spec-checks.ts";
import type { LaunchSpec, SocketSpec, WatcherSpec } from "./types.ts";
import { OPTIONS, type OptionValues } from "./options/table.ts";

export { GRPC_SOCKET } from "./manifest.ts";
export const GRPC_POOL = "grpc_api_server";
export const METRICS_POOL = "prom_server";
export const METRICS_SOCKET = "metrics";
export const PROTOCOL_VERSIONS = ["v1", "v1alpha1"] as const;
export const GRPC_DEFAULTS = {
  metricsHost: OPTIONS["metrics-host"].default!,
  metricsPort: OPTIONS["metrics-port"].default!,
  protocolVersion: OPTIONS["protocol-version"].default!,
} as const;

export interface GrpcOptions {
  readonly reflection: boolean;
  readonly channelz: boolean;
  readonly maxConcurrentStreams?: number;
  readonly protocolVersion: (typeof PROTOCOL_VERSIONS)[number];
  readonly metricsHost: string;
  readonly metricsPort: number;
}

export interface GrpcBuildContext extends BuildContext {
  /** Runners served elsewhere (`start-grpc-server`): name → address; none: started here (`serve --grpc`). */
  readonly runners?: RemoteRunners;
  /** Absolute path of the metrics server module (src/metrics-server/main.ts). */
  readonly metricsServerModule: string;
  /** Run the metrics server (`prom_server`) and hold its socket; the monitoring plugin must then be on. */
  readonly metrics: boolean;
}

/**
 * The gRPC options from their resolved values (the options table parsed and
 * checked them: `--enable-reflection`, `--enable-channelz`,
 * `--max-concurrent-streams`, `--protocol-version`, `--metrics-host`, `--metrics-port`).
 */
export function grpcOptionsOf(v: OptionValues): GrpcOptions {
  return {
    reflection: v["enable-reflection"] ?? false,
    channelz: v["enable-channelz"] ?? false,
    maxConcurrentStreams: v["max-concurrent-streams"],
    protocolVersion: v["protocol-version"] ?? GRPC_DEFAULTS.protocolVersion,
    metricsHost: v["metrics-host"] ?? GRPC_DEFAULTS.metricsHost,
    metricsPort: v["metrics-port"] ?? GRPC_DEFAULTS.metricsPort,
  };
}

/** The gRPC options as workers see them: env `BENTO_GRPC_*` and argv placeholders. */
export function grpcWorkerSettings(o: GrpcOptions): { env: Record<string, string>; vars: Record<string, string> } {
  const vars: Record<string, string> = {
    enable_reflection: String(o.reflection),
    enable_channelz: String(o.channelz),
    protocol_version: o.protocolVersion,
  };
  if (o.maxConcurrentStreams !== undefined) vars.max_concurrent_streams = String(o.maxConcurrentStreams);
  const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [`BENTO_GRPC_${k.toUpperCase()}`, v]));
  return { env, vars };
}

export function buildGrpcSpec(
  service: ServiceDef,
  serve: ServeOptions,
  grpc: GrpcOptions,
  ctx: GrpcBuildContext,
): Result<LaunchSpec, SpecError | RunnerMapInvalid> {
  const def = service.grpc;
  if (!def) {
    return err(
      optionInvalid(
        "grpc",
        `service ${service.name} declares no gRPC pool: add grpc: { command: ... } to its manifest`,
      ),
    );
  }
  const api = { command: def.command, workers: def.workers, env: def.env, ready: def.ready };
  const base = planServeSpec({ ...service, api }, serve, ctx);
  const settings = grpcWorkerSettings(grpc);
  const watchers: WatcherSpec[] = [];
  for (const w of base.watchers) {
    if (w.role === "runner") {
      watchers.push(w);
      continue;
    }
    watchers.push({
      ...w,
      name: GRPC_POOL,
      role: "grpc",
      command: def.command,
      env: { ...w.env, ...settings.env, BENTO_POOL: GRPC_POOL },
      sockets: def.reusePort ? [] : [GRPC_SOCKET],
    });
    if (!ctx.metrics) continue;
    watchers.push({
      ...w,
      name: METRICS_POOL,
      role: "metrics",
      command: { kind: "module", module: ctx.metricsServerModule, args: [] },
      workers: 1,
      singleton: true,
      env: { ...w.env, BENTO_POOL: METRICS_POOL },
      sockets: [METRICS_SOCKET],
      ready: buildReadySpec({ kind: "module", module: ctx.metricsServerModule, args: [] }, undefined),
    });
  }
  const sockets: SocketSpec[] = base.sockets.flatMap((s): SocketSpec[] => {
    if (s.kind !== "tcp" || s.name !== base.publicSocket) return [s];
    const held: SocketSpec = { ...s, name: GRPC_SOCKET, ...(def.reusePort && { reusePort: true, reserve: true }) };
    if (!ctx.metrics) return [held];
    return [held, {
      kind: "tcp",
      name: METRICS_SOCKET,
      host: grpc.metricsHost,
      port: grpc.metricsPort,
      backlog: s.backlog,
    }];
  });
  const spec: LaunchSpec = {
    ...base,
    sockets,
    watchers,
    vars: { ...base.vars, ...settings.vars },
    publicSocket: GRPC_SOCKET,
  };
  return ctx.runners ? remoteApiSpec(spec, "start-grpc-server", service, ctx.runners) : checkLaunchSpec(spec);
}
