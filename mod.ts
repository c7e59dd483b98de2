/**
 * bento-kit: start and supervise the processes of a model-serving service
 * (runner pools, an API server pool) on Node, Bun and Deno, with sockets held
 * by the supervisor and a plugin hook pipeline.
 *
 * ```ts
 * // bento.config.ts
 * import { defineService } from "bento-kit";
 *
 * export default defineService({
 *   name: "iris_classifier",
 *   api: { command: { module: "./api.ts" }, workers: 2 },
 *   runners: { iris: { command: { module: "./runner.ts" }, workers: 2 } },
 * });
 * ```
 *
 * Run it: `deno run -A mod.ts serve ./my-service`, `npx bento-kit serve`.
 * @module
 */
export { defineService, validateManifest } from "./src/core/manifest.ts";
export type {
  RunnerDef,
  RunnerInput,
  ServeDefaults,
  ServiceDef,
  ServiceInput,
  ValidateOptions,
} from "./src/core/manifest.ts";
export type { CommandInput } from "./src/core/command.ts";
export { PLACEHOLDERS, placeholdersIn } from "./src/core/command.ts";
export { optionInvalid, tlsInvalid } from "./src/core/errors.ts";
export { definePlugin } from "./src/core/plugin.ts";
export type {
  BentoHooks,
  BentoPlugin,
  ExitAdvice,
  HookContext,
  HookEntry,
  HookHandler,
  HookName,
  HookOutcome,
  HookValue,
  ParallelHook,
  ParallelOutcome,
  PoolStopped,
  SetupContext,
  SpawnedWorker,
  StopSignal,
  Veto,
  WaterfallHook,
  WorkerSignal,
} from "./src/core/plugin.ts";
export type { PoolView, SpawnVeto, WorkerView } from "./src/core/control.ts";
export { createHookRunner } from "./src/core/hooks.ts";
export type { HookRunner } from "./src/core/hooks.ts";
export { API_POOL, API_SOCKET, buildServeSpec, runnerPoolName } from "./src/core/serve-spec.ts";
export { resolveServeOptions, SERVE_DEFAULTS, SERVE_ENV } from "./src/core/serve-options.ts";
export type { ServeFlags, ServeOptions } from "./src/core/serve-options.ts";
export { createSupervisor } from "./src/core/supervisor.ts";
export type { Supervisor, SupervisorEvent, SupervisorOptions } from "./src/core/supervisor.ts";
export { decideRespawn, DEFAULT_BACKOFF } from "./src/core/backoff.ts";
export type { BackoffPolicy } from "./src/core/backoff.ts";
export { checkUnixPath, UNIX_PATH_MAX } from "./src/core/unix-path.ts";
export { createSilentLogger } from "./src/core/logger.ts";
export type { Logger } from "./src/core/logger.ts";
export type { ChildProcessHandle, Clock, RuntimeName, RuntimePort, SpawnRequest } from "./src/core/ports.ts";
export type * from "./src/core/types.ts";
export type * from "./src/core/errors.ts";
export type { MetricFamily, MonitoringCollect } from "./src/core/metric-family.ts";
import { checkDenoPermissions } from "./src/cli/_deno-permissions.ts";

// Run as the main module: the CLI. No top-level await here, so that a
// bento.config.ts importing "bento-kit" (this module) does not wait on it.
// Until `serve` listens for stop signals itself nothing has been started, so a
// stop signal means "exit now" (code 0); `serve` removes these handlers once
// its own are in place.
if ((import.meta as { main?: boolean }).main) {
  checkDenoPermissions(); // before anything reads the environment or a file
  const exitNow = () => process.exit(0);
  const early = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of early) process.on(s, exitNow);
  (globalThis as Record<symbol, unknown>)[Symbol.for("bento-kit.early-stop")] = () =>
    early.forEach((s) => process.off(s, exitNow));
  // As PID 1 (a container without --init) orphans must be reaped: see src/cli/_pid1.ts.
  const init = process.pid === 1 ? import("./src/cli/_pid1.ts").then((m) => m.asInit()) : Promise.resolve("not-pid1");
  void init.then((mode) => mode === "wrapped" ? undefined : import("./src/cli/main.ts").then(({ runCli }) => runCli()));
}
