/**
 * Every option of every launching command, once: its flag, alias, environment
 * variable, manifest key (`serve.<camelCase>`), parser, default, help text and
 * group. citty's flag definitions, the help text (with its `[env ...]` part),
 * the typed options and the environment lookup all derive from this table;
 * a mode (src/launch/plans/) says which groups it takes. Pure.
 */
import { MAX_WORKERS } from "../manifest.ts";
import { host, oneOf, onOff, type Parser, path, text, whole, words } from "./parse.ts";

/** What an option is about; a mode takes or refuses whole groups. */
export type OptionGroup =
  | "listen"
  | "api-workers"
  | "worker"
  | "runner-sockets"
  | "remote-runners"
  | "runner-server"
  | "tls"
  | "grpc"
  | "metrics"
  | "grpc-metrics"
  | "admin"
  | "log"
  | "development"
  | "production";

export interface OptionRow<T> {
  readonly group: OptionGroup;
  /** Absent: read from the environment only (no flag). */
  readonly flag: boolean;
  readonly alias?: string;
  /** Other long names of the flag (BentoML's, e.g. `--remote-runner` for `--depends`). */
  readonly aliases?: readonly string[];
  readonly env?: string;
  /** BentoML's name for the variable (`BENTOML_PORT`), read when ours is not set. */
  readonly bentoml?: string;
  /** The environment variable turns the switch off when true (`BENTO_NO_UDS=1`). */
  readonly envNegates?: boolean;
  /** The manifest's `serve.<camelCase name>` gives a default. */
  readonly manifest?: boolean;
  readonly parse: Parser<T>;
  readonly default?: T;
  /** How the default reads in help when it is not a value (e.g. "CPU count"). */
  readonly defaultText?: string;
  readonly hint?: string;
  readonly help: string;
  /** Given more than once (each value kept). */
  readonly repeatable?: boolean;
}

function row<T>(r: OptionRow<T>): OptionRow<T> {
  return r;
}

const seconds: Parser<number> = whole(1);

/**
 * Workers run at the supervisor's own niceness unless --worker-nice says
 * otherwise. A default of 5 was measured (bench/admin-load.ts, 64 workers
 * under wrk on a machine shared with other work): it did not bring the admin
 * API's p99 down, and the workers lost throughput to every other process at
 * niceness 0, so it is the user's choice, not a default.
 */
export const WORKER_NICE = 0;

/** A TLS file option: a path, from the manifest too. */
function fileRow(r: Omit<OptionRow<string>, "group" | "flag" | "parse">): OptionRow<string> {
  return { group: "tls", flag: true, parse: path, manifest: true, ...r };
}

/** The type of each option's value. */
export interface OptionTypes {
  readonly host: string;
  readonly port: number;
  readonly backlog: number;
  readonly "api-workers": number;
  readonly timeout: number;
  readonly "working-dir": string;
  readonly "timeout-keep-alive": number;
  readonly "timeout-graceful-shutdown": number;
  readonly containerized: boolean;
  readonly "worker-nice": number;
  readonly "unix-sockets": boolean;
  readonly depends: readonly string[];
  readonly "runner-map": string;
  readonly "runner-name": string;
  readonly workers: number;
  readonly "ssl-certfile": string;
  readonly "ssl-keyfile": string;
  readonly "ssl-keyfile-password-file": string;
  readonly "ssl-keyfile-password": string;
  readonly "ssl-version": number;
  readonly "ssl-cert-reqs": number;
  readonly "ssl-ca-certs": string;
  readonly "ssl-ciphers": string;
  readonly "enable-reflection": boolean;
  readonly "enable-channelz": boolean;
  readonly "max-concurrent-streams": number;
  readonly "protocol-version": "v1" | "v1alpha1";
  readonly metrics: boolean;
  readonly "metrics-host": string;
  readonly "metrics-port": number;
  readonly admin: boolean;
  readonly "admin-host": string;
  readonly "admin-port": number;
  readonly "admin-token": string;
  readonly "admin-charts": boolean;
  readonly "log-format": "text" | "json";
  readonly "access-log": boolean;
  readonly debug: boolean;
  readonly development: boolean;
  readonly production: boolean;
  readonly reload: boolean;
  readonly "reload-include": string;
  readonly "reload-exclude": string;
}

export const OPTIONS: { readonly [K in keyof OptionTypes]: OptionRow<OptionTypes[K]> } = {
  host: row({
    group: "listen",
    flag: true,
    env: "BENTO_HOST",
    bentoml: "BENTOML_HOST",
    manifest: true,
    parse: host,
    default: "0.0.0.0",
    hint: "HOST",
    help: "Address the server listens on: IPv4, IPv6 or a hostname",
  }),
  port: row({
    group: "listen",
    flag: true,
    alias: "p",
    env: "BENTO_PORT",
    bentoml: "BENTOML_PORT",
    manifest: true,
    parse: whole(0, 65535),
    default: 3000,
    hint: "PORT",
    help: "Port of the server; 0 picks a free one",
  }),
  backlog: row({
    group: "listen",
    flag: true,
    manifest: true,
    parse: whole(1),
    default: 2048,
    hint: "N",
    help: "Listen backlog of every socket",
  }),
  "api-workers": row({
    group: "api-workers",
    flag: true,
    env: "BENTO_API_WORKERS",
    bentoml: "BENTOML_API_WORKERS",
    manifest: true,
    parse: whole(1, MAX_WORKERS),
    defaultText: "manifest, else CPU count",
    hint: "N",
    help: "Number of API server workers",
  }),
  timeout: row({
    group: "worker",
    flag: true,
    env: "BENTO_TIMEOUT",
    bentoml: "BENTOML_TIMEOUT",
    manifest: true,
    parse: seconds,
    hint: "SECONDS",
    help: "Request timeout handed to workers as BENTO_TIMEOUT and {timeout}",
  }),
  "working-dir": row({
    group: "worker",
    flag: true,
    parse: path,
    defaultText: "the service directory",
    hint: "DIR",
    help: "Working directory of every worker",
  }),
  "timeout-keep-alive": row({
    group: "worker",
    flag: true,
    manifest: true,
    parse: seconds,
    hint: "SECONDS",
    help: "Idle keep-alive timeout handed to workers (BENTO_TIMEOUT_KEEP_ALIVE, {timeout_keep_alive})",
  }),
  "timeout-graceful-shutdown": row({
    group: "worker",
    flag: true,
    manifest: true,
    parse: whole(0),
    default: 30,
    hint: "SECONDS",
    help: "On stop, seconds workers get to drain before SIGKILL; also handed to workers",
  }),
  containerized: row({
    group: "worker",
    flag: false,
    env: "BENTO_CONTAINERIZED",
    bentoml: "BENTOML_CONTAINERIZED",
    parse: onOff,
    default: false,
    help: "Inside a container: no respawn; a pool that loses its last worker stops the service (exit 1)",
  }),
  "worker-nice": row({
    group: "worker",
    flag: true,
    env: "BENTO_WORKER_NICE",
    parse: whole(0, 19),
    default: WORKER_NICE,
    hint: "N",
    help:
      "Scheduling niceness of every worker (0-19; the supervisor keeps its own): when workers saturate the CPUs, the supervisor, its signals and admin API are scheduled before them",
  }),
  "unix-sockets": row({
    group: "runner-sockets",
    flag: true,
    env: "BENTO_NO_UDS",
    bentoml: "BENTOML_NO_UDS",
    envNegates: true,
    manifest: true,
    parse: onOff,
    default: true,
    help: "Connect runners over Unix sockets; --no-unix-sockets uses loopback TCP",
  }),
  depends: row({
    group: "remote-runners",
    flag: true,
    aliases: ["remote-runner"],
    env: "BENTO_SERVE_DEPENDS",
    bentoml: "BENTOML_SERVE_DEPENDS",
    parse: words,
    hint: "NAME=URI",
    repeatable: true,
    help: "A remote runner and its address, tcp://HOST:PORT or unix:///PATH; repeat for each runner " +
      "(the variable: space-separated)",
  }),
  "runner-map": row({
    group: "remote-runners",
    flag: true,
    env: "BENTO_RUNNER_MAP",
    bentoml: "BENTOML_SERVE_RUNNER_MAP",
    parse: text,
    hint: "JSON",
    help: `Remote runners as a JSON object, e.g. '{"iris":"tcp://10.0.0.5:3001"}'`,
  }),
  "runner-name": row({
    group: "runner-server",
    flag: true,
    env: "BENTO_SERVE_RUNNER_NAME",
    bentoml: "BENTOML_SERVE_RUNNER_NAME",
    parse: text,
    hint: "NAME",
    defaultText: "required",
    help: "The runner to serve, as named in the manifest's runners",
  }),
  workers: row({
    group: "runner-server",
    flag: true,
    parse: whole(1, MAX_WORKERS),
    hint: "N",
    defaultText: "the manifest's runners.<name>.workers",
    help: "Number of runner workers",
  }),
  "ssl-certfile": fileRow({
    env: "BENTO_SSL_CERTFILE",
    hint: "FILE",
    help: "Serve TLS with this PEM certificate (chain)",
  }),
  "ssl-keyfile": fileRow({
    env: "BENTO_SSL_KEYFILE",
    hint: "FILE",
    defaultText: "the key inside --ssl-certfile",
    help: "Its PEM private key, may be encrypted",
  }),
  "ssl-keyfile-password-file": fileRow({
    env: "BENTO_SSL_KEYFILE_PASSWORD_FILE",
    hint: "FILE",
    help: "File holding the key's password (one trailing newline ignored)",
  }),
  "ssl-keyfile-password": row({
    group: "tls",
    flag: true,
    env: "BENTO_SSL_KEYFILE_PASSWORD",
    parse: text,
    hint: "PASSWORD",
    help: "The key's password. Visible to every user in ps: prefer the variable or --ssl-keyfile-password-file. " +
      "Workers never see it",
  }),
  "ssl-version": row({
    group: "tls",
    flag: true,
    env: "BENTO_SSL_VERSION",
    manifest: true,
    parse: whole(0),
    hint: "N",
    defaultText: "17",
    help: "Python ssl protocol number as in BentoML: 17 any TLS, 5 TLSv1.2, 4 TLSv1.1, 3 TLSv1",
  }),
  "ssl-cert-reqs": row({
    group: "tls",
    flag: true,
    env: "BENTO_SSL_CERT_REQS",
    manifest: true,
    parse: whole(0),
    hint: "N",
    defaultText: "0",
    help: "Client certificates: 0 none, 1 optional, 2 required",
  }),
  "ssl-ca-certs": fileRow({
    env: "BENTO_SSL_CA_CERTS",
    hint: "FILE",
    help: "CA certificates that sign client certificates",
  }),
  "ssl-ciphers": row({
    group: "tls",
    flag: true,
    env: "BENTO_SSL_CIPHERS",
    manifest: true,
    parse: text,
    hint: "LIST",
    defaultText: "the TLS library's",
    help: "OpenSSL cipher list",
  }),
  "enable-reflection": row({
    group: "grpc",
    flag: true,
    parse: onOff,
    default: false,
    help: "gRPC workers serve server reflection (BENTO_GRPC_ENABLE_REFLECTION, {enable_reflection})",
  }),
  "enable-channelz": row({
    group: "grpc",
    flag: true,
    parse: onOff,
    default: false,
    help: "gRPC workers serve channelz (BENTO_GRPC_ENABLE_CHANNELZ, {enable_channelz})",
  }),
  "max-concurrent-streams": row({
    group: "grpc",
    flag: true,
    parse: whole(1, 2 ** 31 - 1),
    hint: "N",
    help: "Most concurrent streams per gRPC connection (BENTO_GRPC_MAX_CONCURRENT_STREAMS, {max_concurrent_streams})",
  }),
  "protocol-version": row({
    group: "grpc",
    flag: true,
    parse: oneOf(["v1", "v1alpha1"]),
    default: "v1",
    hint: "VERSION",
    help: "gRPC protocol version handed to workers, v1 or v1alpha1 (BENTO_GRPC_PROTOCOL_VERSION, {protocol_version})",
  }),
  metrics: row({
    group: "metrics",
    flag: true,
    env: "BENTO_NO_METRICS",
    envNegates: true,
    parse: onOff,
    default: true,
    help: "Prometheus metrics of the supervisor and every worker (GET /metrics on the API port, or the gRPC " +
      "metrics server); --no-metrics turns them off",
  }),
  "metrics-host": row({
    group: "grpc-metrics",
    flag: true,
    parse: host,
    default: "0.0.0.0",
    hint: "HOST",
    help: "Address of the gRPC metrics server (Prometheus text)",
  }),
  "metrics-port": row({
    group: "grpc-metrics",
    flag: true,
    parse: whole(0, 65535),
    default: 3001,
    hint: "PORT",
    help: "Port of the gRPC metrics server; 0 picks a free one",
  }),
  admin: row({
    group: "admin",
    flag: true,
    parse: onOff,
    default: true,
    help: "Serve the admin API and dashboard; --no-admin turns it off",
  }),
  "admin-host": row({
    group: "admin",
    flag: true,
    env: "BENTO_ADMIN_HOST",
    parse: host,
    default: "127.0.0.1",
    hint: "HOST",
    help: "Address of the admin server (any but loopback needs BENTO_ADMIN_TOKEN)",
  }),
  "admin-port": row({
    group: "admin",
    flag: true,
    env: "BENTO_ADMIN_PORT",
    parse: whole(0, 65535),
    default: 0,
    hint: "PORT",
    defaultText: "0: a free port, printed at start",
    help: "Port of the admin server",
  }),
  "admin-token": row({
    group: "admin",
    flag: false,
    env: "BENTO_ADMIN_TOKEN",
    parse: text,
    help: "The admin API's bearer token, at least 16 characters (default: a random one, in the instance file)",
  }),
  "admin-charts": row({
    group: "admin",
    flag: true,
    env: "BENTO_NO_ADMIN_CHARTS",
    envNegates: true,
    parse: onOff,
    default: true,
    help: "Sample request rate, errors, latency, memory and CPU per pool every 2 s for the dashboard's charts " +
      "(the last 15 minutes, GET /v1/series); --no-admin-charts turns it off",
  }),
  "log-format": row({
    group: "log",
    flag: true,
    env: "BENTO_LOG_FORMAT",
    parse: oneOf(["text", "json"]),
    default: "text",
    hint: "text|json",
    help: "How every line is printed: text, or json (one object per line)",
  }),
  "access-log": row({
    group: "log",
    flag: true,
    env: "BENTO_ACCESS_LOG",
    manifest: true,
    parse: onOff,
    default: true,
    help: "A line per request from TypeScript API workers; --no-access-log: none (runners never log requests)",
  }),
  debug: row({
    group: "log",
    flag: true,
    parse: onOff,
    default: false,
    help: "Log debug lines (socket fds, worker starts, the runner map)",
  }),
  development: row({
    group: "development",
    flag: true,
    parse: onOff,
    default: false,
    help: "Development mode: one worker per pool (the API pool keeps --api-workers if given), host 127.0.0.1 " +
      "unless --host, BENTO_HOST or the manifest says otherwise, API workers keep stdin, debug logs",
  }),
  production: row({
    group: "production",
    flag: true,
    parse: onOff,
    default: true,
    help: "Production mode, the default (BentoML's --production, accepted as it is); --development is its opposite",
  }),
  reload: row({
    group: "development",
    flag: true,
    parse: onOff,
    default: false,
    help: "Reload on change: watch the service directory and --working-dir; a saved module rolls the pools that " +
      "import it (any other file: every pool), each new worker ready before the old one stops; a saved manifest " +
      "is checked, then applied (docs/development.md)",
  }),
  "reload-include": row({
    group: "development",
    flag: true,
    parse: text,
    hint: "GLOBS",
    help:
      "With --reload: comma-separated patterns (.gitignore syntax) that reload even when ignored, e.g. 'models/*.json'",
  }),
  "reload-exclude": row({
    group: "development",
    flag: true,
    parse: text,
    hint: "GLOBS",
    help: "With --reload: comma-separated patterns that never reload, e.g. '*.log,data/' (.git, node_modules, " +
      "__pycache__, .venv and *.pyc never do)",
  }),
};

export type OptionName = keyof typeof OPTIONS;

/** The typed value of option `K`. */
export type OptionValue<K extends OptionName> = OptionTypes[K];

/** Resolved values of options `K` (undefined: not given and no default). */
export type OptionValues<K extends OptionName = OptionName> = { readonly [P in K]?: OptionValue<P> };

/** Every option of the groups given. */
export function optionsOf(groups: readonly OptionGroup[]): OptionName[] {
  return (Object.keys(OPTIONS) as OptionName[]).filter((name) => groups.includes(OPTIONS[name].group));
}

/** `api-workers` → `apiWorkers` (the manifest's `serve` key, and the key the testing API's flags take). */
export function camelName(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
