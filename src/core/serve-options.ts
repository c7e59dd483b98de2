/**
 * The options every pool of a launch spec reads (listen address, worker
 * counts, timeouts, ...), from the options table (src/core/options/):
 * flag > environment variable > manifest `serve` defaults > built-in
 * defaults. Pure: the environment comes in as a record.
 */
import type { OptionInvalid } from "./errors.ts";
import type { ServeDefaults } from "./manifest.ts";
import { resolveOptions } from "./options/resolve.ts";
import { type OptionName, OPTIONS, type OptionValues } from "./options/table.ts";
import type { Result } from "neverthrow";

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly backlog: number;
  readonly apiWorkers?: number;
  readonly timeout?: number;
  readonly timeoutKeepAlive?: number;
  /** Seconds workers get to drain on stop before SIGKILL. */
  readonly timeoutGracefulShutdown: number;
  readonly workingDir: string;
  readonly unixSockets: boolean;
  /** False inside containers (BENTO_CONTAINERIZED): fail fast instead. */
  readonly respawn: boolean;
  /** Niceness every worker gets (setpriority(2)); 0 leaves it at the supervisor's. */
  readonly workerNice: number;
  /** TypeScript API workers print an access log line per request (BENTO_ACCESS_LOG); runners never do. */
  readonly accessLog: boolean;
}

/** Raw flag values as the CLI parsed them (strings, or booleans for switches), by camelCase name. */
export interface ServeFlags {
  readonly host?: string;
  readonly port?: string;
  readonly backlog?: string;
  readonly apiWorkers?: string;
  readonly timeout?: string;
  readonly timeoutKeepAlive?: string;
  readonly timeoutGracefulShutdown?: string;
  readonly workingDir?: string;
  readonly unixSockets?: boolean;
  readonly accessLog?: boolean;
  readonly workerNice?: string;
}

/** The options ServeOptions is made of. */
export const SERVE_OPTION_NAMES = [
  "host",
  "port",
  "backlog",
  "api-workers",
  "timeout",
  "working-dir",
  "timeout-keep-alive",
  "timeout-graceful-shutdown",
  "containerized",
  "worker-nice",
  "unix-sockets",
  "access-log",
] as const satisfies readonly OptionName[];

export const SERVE_DEFAULTS = {
  host: OPTIONS.host.default!,
  port: OPTIONS.port.default!,
  backlog: OPTIONS.backlog.default!,
  timeoutGracefulShutdown: OPTIONS["timeout-graceful-shutdown"].default!,
} as const;

/** Environment variables read as fallbacks for flags. */
export const SERVE_ENV = {
  host: OPTIONS.host.env,
  port: OPTIONS.port.env,
  apiWorkers: OPTIONS["api-workers"].env,
  timeout: OPTIONS.timeout.env,
} as const;

/** ServeOptions from resolved option values; `serviceDir` is the default working directory. */
export function serveOptionsOf(v: OptionValues, serviceDir: string): ServeOptions {
  return {
    host: v.host ?? SERVE_DEFAULTS.host,
    port: v.port ?? SERVE_DEFAULTS.port,
    backlog: v.backlog ?? SERVE_DEFAULTS.backlog,
    apiWorkers: v["api-workers"],
    timeout: v.timeout,
    timeoutKeepAlive: v["timeout-keep-alive"],
    timeoutGracefulShutdown: v["timeout-graceful-shutdown"] ?? SERVE_DEFAULTS.timeoutGracefulShutdown,
    workingDir: v["working-dir"] ?? serviceDir,
    unixSockets: v["unix-sockets"] ?? true,
    respawn: !(v.containerized ?? false),
    workerNice: v["worker-nice"] ?? OPTIONS["worker-nice"].default!,
    accessLog: v["access-log"] ?? true,
  };
}

/** The serve options alone (the launch pipeline resolves every option of a mode at once). */
export function resolveServeOptions(
  flags: ServeFlags,
  env: Readonly<Record<string, string | undefined>>,
  defaults: ServeDefaults & { readonly workingDir: string },
): Result<ServeOptions, OptionInvalid> {
  const { workingDir, ...manifest } = defaults;
  return resolveOptions(SERVE_OPTION_NAMES, {
    flags: { ...flags },
    env,
    manifest,
    cwd: workingDir,
    serviceDir: workingDir,
  })
    .map((v) => serveOptionsOf(v, workingDir));
}
