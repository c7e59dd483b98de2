/**
 * Launch specs for the component commands of a multi-host deployment, taken
 * from the `serve` plan (planServeSpec) so that pools, env, placeholders and
 * options are the same as under `serve`:
 *
 * - `start-runner-server`: one runner's pool on a TCP socket held by the
 *   supervisor (`--host`, default 127.0.0.1, `--port`, 0 picks one).
 * - `start-http-server`: the API pool alone; its runners are remote, named by
 *   a runner map that must cover every runner the service declares (the
 *   runner-map plugin hands it to API workers, `remote` option).
 *
 * Pure and Result-typed; `start-grpc-server` builds on `remoteApiSpec`.
 */
import { err, type Result } from "neverthrow";
import {
  type RunnerMapInvalid,
  runnerMapInvalid,
  type RunnerNotFound,
  runnerNotFound,
  type SpecError,
} from "./errors.ts";
import type { ServiceDef } from "./manifest.ts";
import { missingRunners, type RemoteRunners, runnerNames } from "./runner-map-input.ts";
import { type BuildContext, planServeSpec, runnerPoolName } from "./serve-spec.ts";
import type { ServeOptions } from "./serve-options.ts";
import { checkLaunchSpec } from "./spec-checks.ts";
import type { LaunchSpec } from "./types.ts";

/** Defaults of `start-runner-server` where they differ from `serve`'s: loopback, a free port. */
export const RUNNER_SERVER_DEFAULTS = { host: "127.0.0.1", port: 0 } as const;

export interface RunnerServerTarget {
  /** `--runner-name`. */
  readonly runner: string;
  /** `--workers`: overrides the manifest's `runners.<name>.workers`. */
  readonly workers?: number;
}

/**
 * One runner's pool on TCP `options.host:options.port`; the socket is named
 * after the runner (as under `serve`) and is the public socket, so the
 * supervisor reports the port it picked.
 */
export function buildRunnerServerSpec(
  service: ServiceDef,
  options: ServeOptions,
  ctx: BuildContext & { readonly target: RunnerServerTarget },
): Result<LaunchSpec, SpecError | RunnerNotFound> {
  const { runner, workers } = ctx.target;
  const plan = planServeSpec(service, options, ctx);
  const watcher = plan.watchers.find((w) => w.role === "runner" && w.name === runnerPoolName(runner));
  if (!watcher) return err(runnerNotFound(runner, service.name, runnerNames(service)));
  return checkLaunchSpec({
    ...plan,
    command: "start-runner-server",
    sockets: [{ kind: "tcp", name: runner, host: options.host, port: options.port, backlog: options.backlog }],
    watchers: [{
      ...watcher,
      workers: workers ?? watcher.workers,
      workerEnv: workerEnvFor(watcher.workerEnv, workers),
    }],
    publicSocket: runner,
  });
}

/** The API pool alone, its runners reached at the addresses in `runners`. */
export function buildHttpServerSpec(
  service: ServiceDef,
  options: ServeOptions,
  ctx: BuildContext & { readonly runners: RemoteRunners },
): Result<LaunchSpec, SpecError | RunnerMapInvalid> {
  return remoteApiSpec(planServeSpec(service, options, ctx), "start-http-server", service, ctx.runners);
}

/**
 * A plan's pools without its runner pools, for a command whose runners run
 * elsewhere; Err when `runners` misses one the service declares.
 */
export function remoteApiSpec(
  plan: LaunchSpec,
  command: LaunchSpec["command"],
  service: ServiceDef,
  runners: RemoteRunners,
): Result<LaunchSpec, SpecError | RunnerMapInvalid> {
  const missing = missingRunners(service, runners);
  if (missing.length > 0) return err(runnerMapInvalid(missing));
  const local = new Set(plan.watchers.filter((w) => w.role === "runner").flatMap((w) => w.sockets));
  return checkLaunchSpec({
    ...plan,
    command,
    sockets: plan.sockets.filter((s) => !local.has(s.name)),
    watchers: plan.watchers.filter((w) => w.role !== "runner"),
  });
}

/** Per-worker env when `--workers` changes the count: the manifest's entries for the ids that remain. */
function workerEnvFor(
  entries: readonly Readonly<Record<string, string>>[],
  workers: number | undefined,
): readonly Readonly<Record<string, string>>[] {
  return workers === undefined ? entries : entries.slice(0, workers);
}
