/**
 * The serve options as one table: each row gives the flag, its alias, its
 * environment variable (from SERVE_ENV, the names resolveServeOptions reads)
 * and its help. The flag definitions of every launching command
 * (`start-runner-server`, `start-http-server`, later `serve` and
 * `start-grpc-server`) and the ServeFlags they yield derive from it, so a flag
 * is added in one place. A command may change a row's help or default text.
 */
import type { ArgDef, ArgsDef } from "citty";
import { SERVE_DEFAULTS, SERVE_ENV, type ServeFlags } from "../core/serve-options.ts";

interface OptionRow {
  readonly type: "string" | "boolean";
  /** The ServeFlags field the flag sets (absent: read by the command itself, e.g. --debug). */
  readonly key?: keyof ServeFlags;
  readonly alias?: string;
  readonly env?: string;
  readonly hint?: string;
  readonly help: string;
  readonly default?: string;
}

export const SERVE_OPTIONS = {
  host: {
    type: "string",
    key: "host",
    env: SERVE_ENV.host,
    hint: "HOST",
    default: SERVE_DEFAULTS.host,
    help: "Address the server listens on: IPv4, IPv6 or a hostname",
  },
  port: {
    type: "string",
    key: "port",
    alias: "p",
    env: SERVE_ENV.port,
    hint: "PORT",
    default: String(SERVE_DEFAULTS.port),
    help: "Port of the server; 0 picks a free one",
  },
  "api-workers": {
    type: "string",
    key: "apiWorkers",
    env: SERVE_ENV.apiWorkers,
    hint: "N",
    default: "manifest, else CPU count",
    help: "Number of API server workers",
  },
  backlog: {
    type: "string",
    key: "backlog",
    hint: "N",
    default: String(SERVE_DEFAULTS.backlog),
    help: "Listen backlog of every socket",
  },
  timeout: {
    type: "string",
    key: "timeout",
    env: SERVE_ENV.timeout,
    hint: "SECONDS",
    help: "Request timeout handed to workers as BENTO_TIMEOUT and {timeout}",
  },
  "working-dir": {
    type: "string",
    key: "workingDir",
    hint: "DIR",
    default: "the service directory",
    help: "Working directory of every worker",
  },
  "timeout-keep-alive": {
    type: "string",
    key: "timeoutKeepAlive",
    hint: "SECONDS",
    help: "Idle keep-alive timeout handed to workers (BENTO_TIMEOUT_KEEP_ALIVE, {timeout_keep_alive})",
  },
  "timeout-graceful-shutdown": {
    type: "string",
    key: "timeoutGracefulShutdown",
    hint: "SECONDS",
    default: String(SERVE_DEFAULTS.timeoutGracefulShutdown),
    help: "On stop, seconds workers get to drain before SIGKILL; also handed to workers",
  },
  "unix-sockets": {
    type: "boolean",
    key: "unixSockets",
    env: "BENTO_NO_UDS=1",
    default: "on",
    help: "Connect runners over Unix sockets; --no-unix-sockets uses loopback TCP",
  },
  debug: { type: "boolean", help: "Log debug lines (socket fds, worker starts, the runner map)" },
} as const satisfies Record<string, OptionRow>;

export type OptionName = keyof typeof SERVE_OPTIONS;

/** Changes a command makes to a row: its help, its default text. */
export type RowChanges = Partial<Record<OptionName, { readonly help?: string; readonly default?: string }>>;

/** citty flag definitions for `names`, help ending in `[env X] (default Y)`. */
export function optionArgs(names: readonly OptionName[], changes: RowChanges = {}): ArgsDef {
  const args: Record<string, ArgDef> = {};
  for (const name of names) {
    const row: OptionRow = { ...SERVE_OPTIONS[name], ...changes[name] };
    const env = row.env ? ` [env ${row.env}]` : "";
    const dflt = row.default ? ` (default ${row.default})` : "";
    const description = `${row.help}${env}${dflt}`;
    args[name] = row.type === "boolean"
      ? { type: "boolean", description }
      : { type: "string", description, valueHint: row.hint, ...(row.alias ? { alias: row.alias } : {}) };
  }
  return args;
}

/** The ServeFlags a parsed command line gives (`--working-dir` made absolute by `resolvePath`). */
export function serveFlagsFrom(
  args: Readonly<Record<string, unknown>>,
  resolvePath: (p: string) => string,
): ServeFlags {
  const flags: Record<string, unknown> = {};
  for (const [name, row] of Object.entries(SERVE_OPTIONS) as [OptionName, OptionRow][]) {
    const value = args[name];
    if (row.key === undefined || value === undefined) continue;
    flags[row.key] = row.key === "workingDir" ? resolvePath(value as string) : value;
  }
  return flags as ServeFlags;
}

/** The service directory argument every launching command takes first. */
export const SERVICE_ARG = {
  service: {
    type: "positional",
    required: false,
    default: ".",
    description: "Directory holding bento.config.ts (.mts, .js, .mjs or .json)",
  },
} as const satisfies ArgsDef;
