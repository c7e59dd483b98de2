/**
 * The core's public module: what plugins (the built-in ones in plugins/ and
 * third parties') and services may use: typing helpers (`defineService`,
 * `definePlugin`), the vocabulary types, the error constructors plugins veto
 * with, the hook pipeline, the spec builders and the supervisor. `mod.ts`
 * (the package's entry) re-exports it. Built-in plugins import this module,
 * never `mod.ts` (whose main-module branch loads the CLI, which loads the
 * plugins) and never another core module: `.ci/check-layers` holds them to it.
 * @module
 */
export { defineService, validateManifest } from "./manifest.ts";
export type { RunnerDef, RunnerInput, ServeDefaults, ServiceDef, ServiceInput, ValidateOptions } from "./manifest.ts";
export type { CommandInput } from "./command.ts";
export { PLACEHOLDERS, placeholdersIn } from "./command.ts";
export { optionInvalid, tlsInvalid } from "./errors.ts";
export { definePlugin } from "./plugin.ts";
export { metricsSlotName } from "./metrics-slot.ts";
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
} from "./plugin.ts";
export type { PoolView, SpawnVeto, WorkerView } from "./control.ts";
export { createHookRunner } from "./hooks.ts";
export type { HookRunner } from "./hooks.ts";
export { API_POOL, API_SOCKET, buildServeSpec, runnerPoolName } from "./serve-spec.ts";
export { resolveServeOptions, SERVE_DEFAULTS, SERVE_ENV } from "./serve-options.ts";
export type { ServeFlags, ServeOptions } from "./serve-options.ts";
export { createSupervisor } from "./supervisor.ts";
export type { Supervisor, SupervisorEvent, SupervisorOptions } from "./supervisor.ts";
export { decideRespawn, DEFAULT_BACKOFF } from "./backoff.ts";
export type { BackoffPolicy } from "./backoff.ts";
export { checkUnixPath, UNIX_PATH_MAX } from "./unix-path.ts";
export { createSilentLogger } from "./logger.ts";
export type { Logger } from "./logger.ts";
export type { ChildProcessHandle, Clock, RuntimeName, RuntimePort, SpawnRequest } from "./ports.ts";
export type * from "./types.ts";
export type * from "./errors.ts";
export type { MetricFamily, MonitoringCollect } from "./metric-family.ts";
