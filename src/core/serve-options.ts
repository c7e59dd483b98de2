/**
 * Serve options: flag > environment variable > manifest `serve` defaults >
 * built-in defaults. Pure: the environment comes in as a record.
 */
import { err, ok, type Result } from "neverthrow";
import { type OptionInvalid, optionInvalid } from "./errors.ts";
import { MAX_WORKERS, type ServeDefaults } from "./manifest.ts";

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
  /** TypeScript API workers print an access log line per request (BENTO_ACCESS_LOG); runners never do. */
  readonly accessLog: boolean;
}

/** Raw flag values as the CLI parsed them (strings, or booleans for switches). */
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
}

export const SERVE_DEFAULTS = { host: "0.0.0.0", port: 3000, backlog: 2048, timeoutGracefulShutdown: 30 } as const;

/** Environment variables read as fallbacks for flags. */
export const SERVE_ENV = {
  host: "BENTO_HOST",
  port: "BENTO_PORT",
  apiWorkers: "BENTO_API_WORKERS",
  timeout: "BENTO_TIMEOUT",
} as const;

type NumberKey = "port" | "backlog" | "apiWorkers" | "timeout" | "timeoutKeepAlive" | "timeoutGracefulShutdown";
const FLAG_NAMES: Record<NumberKey, string> = {
  port: "--port",
  backlog: "--backlog",
  apiWorkers: "--api-workers",
  timeout: "--timeout",
  timeoutKeepAlive: "--timeout-keep-alive",
  timeoutGracefulShutdown: "--timeout-graceful-shutdown",
};
const MINIMUM: Record<NumberKey, number> = {
  port: 0,
  backlog: 1,
  apiWorkers: 1,
  timeout: 1,
  timeoutKeepAlive: 1,
  timeoutGracefulShutdown: 0,
};

export function resolveServeOptions(
  flags: ServeFlags,
  env: Readonly<Record<string, string | undefined>>,
  defaults: ServeDefaults & { readonly workingDir: string },
): Result<ServeOptions, OptionInvalid> {
  const problems: OptionInvalid[] = [];
  const num = (key: NumberKey): number | undefined => {
    const envName = (SERVE_ENV as Record<string, string>)[key];
    const fromEnv = envName ? env[envName] : undefined;
    if (flags[key] === "") {
      problems.push(
        optionInvalid(FLAG_NAMES[key], "needs a value, e.g. " + `${FLAG_NAMES[key]} ${key === "port" ? 3000 : 2}`),
      );
      return undefined;
    }
    const raw = flags[key] ?? (fromEnv === "" ? undefined : fromEnv);
    if (raw === undefined) return defaults[key];
    const name = flags[key] !== undefined ? FLAG_NAMES[key] : envName!;
    const value = Number(raw);
    const max = key === "port" ? 65535 : key === "apiWorkers" ? MAX_WORKERS : Number.MAX_SAFE_INTEGER;
    if (!/^\d+$/.test(raw.trim()) || value < MINIMUM[key] || value > max) {
      const range = max < Number.MAX_SAFE_INTEGER ? `from ${MINIMUM[key]} to ${max}` : `>= ${MINIMUM[key]}`;
      problems.push(optionInvalid(name, `expected a whole number ${range}, got ${JSON.stringify(raw)}`));
      return undefined;
    }
    return value;
  };
  const host = flags.host ?? env[SERVE_ENV.host] ?? defaults.host ?? SERVE_DEFAULTS.host;
  if (host.trim() === "") {
    problems.push(
      optionInvalid(flags.host !== undefined ? "--host" : SERVE_ENV.host, "is empty: give an IP address or a hostname"),
    );
  }
  const options: ServeOptions = {
    host: host.replace(/^\[(.*)\]$/, "$1"),
    port: num("port") ?? SERVE_DEFAULTS.port,
    backlog: num("backlog") ?? SERVE_DEFAULTS.backlog,
    apiWorkers: num("apiWorkers"),
    timeout: num("timeout"),
    timeoutKeepAlive: num("timeoutKeepAlive"),
    timeoutGracefulShutdown: num("timeoutGracefulShutdown") ?? SERVE_DEFAULTS.timeoutGracefulShutdown,
    workingDir: flags.workingDir ?? defaults.workingDir,
    unixSockets: flags.unixSockets ?? (isTrue(env.BENTO_NO_UDS) ? false : defaults.unixSockets ?? true),
    respawn: !isTrue(env.BENTO_CONTAINERIZED),
    accessLog: flags.accessLog ?? (env.BENTO_ACCESS_LOG ? isTrue(env.BENTO_ACCESS_LOG) : defaults.accessLog ?? true),
  };
  return problems.length > 0 ? err(problems[0]!) : ok(options);
}

/** An environment switch: set and not "", "0", "false" or "no". */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && !["", "0", "false", "no"].includes(value.trim().toLowerCase());
}
