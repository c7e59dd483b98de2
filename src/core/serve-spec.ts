/**
 * The `serve` launch spec: runner pools, then the API pool on the public
 * socket. Runner sockets and the runner map come from the runner-map plugin
 * (`launchSpec` / `beforeSpawn` hooks), so `start-*` builders can reuse it.
 */
import type { Result } from "neverthrow";
import { checkLaunchSpec } from "./spec-checks.ts";
import type { SpecError } from "./errors.ts";
import { API_SOCKET, type RunnerDef, type ServiceDef } from "./manifest.ts";
import type { ServeOptions } from "./serve-options.ts";
import { buildReadySpec } from "./ready-input.ts";
import { WITHHELD_ENV } from "./spawn-request.ts";
import type { LaunchSpec, WatcherSpec } from "./types.ts";

export { API_SOCKET } from "./manifest.ts";
export const API_POOL = "api_server";

export interface BuildContext {
  /** Private per-instance directory, created by the caller. */
  readonly runDir: string;
  readonly cpuCount: number;
  /** The supervisor's own environment, copied to every worker. */
  readonly environ: Readonly<Record<string, string | undefined>>;
}

export function runnerPoolName(runner: string): string {
  return `runner:${runner}`;
}

export function buildServeSpec(
  service: ServiceDef,
  options: ServeOptions,
  ctx: BuildContext,
): Result<LaunchSpec, SpecError> {
  return checkLaunchSpec(planServeSpec(service, options, ctx));
}

/** The serve spec before its checks: the start-* builders (component-specs.ts) take their pools from it. */
export function planServeSpec(service: ServiceDef, options: ServeOptions, ctx: BuildContext): LaunchSpec {
  const vars = optionVars(service, options);
  const baseEnv = inheritedEnv(service, ctx.environ);
  const instance = ctx.runDir.split("/").filter(Boolean).pop() ?? "bento-kit";
  const bento = { ...bentoEnv(service, options), BENTO_INSTANCE: instance };
  const common = {
    cwd: options.workingDir,
    respawn: options.respawn,
    gracefulTimeout: options.timeoutGracefulShutdown,
    keepStdin: false,
    nice: options.workerNice,
  };
  const runners: WatcherSpec[] = service.runners.map((runner) => runnerWatcher(runner, baseEnv, bento, common));
  const api: WatcherSpec = {
    ...common,
    name: API_POOL,
    role: "api",
    command: service.api.command,
    workers: options.apiWorkers ?? service.api.workers ?? Math.max(1, ctx.cpuCount),
    env: {
      ...baseEnv,
      ...service.api.env,
      ...bento,
      BENTO_POOL: API_POOL,
      BENTO_ACCESS_LOG: options.accessLog ? "1" : "0",
    },
    workerEnv: [],
    sockets: [API_SOCKET],
    priority: 10,
    ready: buildReadySpec(service.api.command, service.api.ready),
    ...(service.api.reload && { reload: service.api.reload }),
  };
  const spec: LaunchSpec = {
    command: "serve",
    service: service.name,
    sockets: [{ kind: "tcp", name: API_SOCKET, host: options.host, port: options.port, backlog: options.backlog }],
    watchers: [...runners, api],
    runDir: ctx.runDir,
    vars,
    publicSocket: API_SOCKET,
    instance,
  };
  return spec;
}

type Common = Pick<WatcherSpec, "cwd" | "respawn" | "gracefulTimeout" | "keepStdin" | "nice">;

function runnerWatcher(
  runner: RunnerDef,
  baseEnv: Record<string, string>,
  bento: Record<string, string>,
  common: Common,
): WatcherSpec {
  const name = runnerPoolName(runner.name);
  return {
    ...common,
    name,
    role: "runner",
    command: runner.command,
    workers: runner.workers,
    env: {
      ...baseEnv,
      ...runner.env,
      ...bento,
      BENTO_POOL: name,
      BENTO_RUNNER_NAME: runner.name,
      BENTO_ACCESS_LOG: "0",
    },
    workerEnv: runner.workerEnv,
    sockets: [runner.name],
    priority: 0,
    ready: buildReadySpec(runner.command, runner.ready),
    ...(runner.reload && { reload: runner.reload }),
  };
}

function optionVars(service: ServiceDef, o: ServeOptions): Record<string, string> {
  const vars: Record<string, string> = {
    service: service.name,
    working_dir: o.workingDir,
    host: o.host,
    port: String(o.port),
    backlog: String(o.backlog),
    timeout_graceful_shutdown: String(o.timeoutGracefulShutdown),
  };
  if (o.timeout !== undefined) vars.timeout = String(o.timeout);
  if (o.timeoutKeepAlive !== undefined) vars.timeout_keep_alive = String(o.timeoutKeepAlive);
  return vars;
}

/** Service env defaults < the supervisor's environment (the pool's env comes on top); no withheld secret. */
function inheritedEnv(service: ServiceDef, environ: BuildContext["environ"]): Record<string, string> {
  const env: Record<string, string> = { ...service.env };
  for (const [k, v] of Object.entries(environ)) if (v !== undefined) env[k] = v;
  for (
    const k of [
      "LISTEN_FDS",
      "LISTEN_PID",
      "LISTEN_FDNAMES",
      "BENTO_RUNNER_MAP",
      "BENTO_REUSEPORT_SOCKETS",
      // An upgrade's report pipe (src/launch/_upgraded.ts) is the new supervisor's own.
      "BENTO_UPGRADE_FD",
      ...WITHHELD_ENV,
    ]
  ) {
    delete env[k];
  }
  return env;
}

/** What the supervisor tells every worker; nothing in a manifest overrides these. */
function bentoEnv(service: ServiceDef, o: ServeOptions): Record<string, string> {
  const env: Record<string, string> = {
    BENTO_SERVICE: service.name,
    BENTO_WORKING_DIR: o.workingDir,
    BENTO_BACKLOG: String(o.backlog),
    BENTO_TIMEOUT_GRACEFUL_SHUTDOWN: String(o.timeoutGracefulShutdown),
  };
  if (o.timeout !== undefined) env.BENTO_TIMEOUT = String(o.timeout);
  if (o.timeoutKeepAlive !== undefined) env.BENTO_TIMEOUT_KEEP_ALIVE = String(o.timeoutKeepAlive);
  return env;
}
