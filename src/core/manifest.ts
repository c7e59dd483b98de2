/**
 * The service manifest (`bento.config.ts` / `.js` / `.json`) and its
 * validation. Validation reports every problem at once, each with its path.
 */
import { err, ok, type Result } from "neverthrow";
import { type ManifestInvalid, manifestInvalid } from "./errors.ts";
import { type CommandInput, commandIssues, normalizeCommand } from "./command.ts";
import { type Checker, createChecker } from "./_checker.ts";
import { envIssues } from "./env-rules.ts";
import type { BentoPlugin } from "./plugin.ts";
import { type ReadyInput, validateReady } from "./ready-input.ts";
import { type ResourcesInput, validateResources } from "./resources.ts";
import { type PoolReloadInput, validatePoolReload } from "./pool-reload.ts";
import type { Command, PoolReloadSpec } from "./types.ts";
import { type GrpcDef, type GrpcInput, validateGrpc } from "./_grpc-manifest.ts";

export { GRPC_SOCKET, type GrpcDef, type GrpcInput } from "./_grpc-manifest.ts";

/** The public socket's name (LISTEN_FDNAMES of API workers); no runner may take it. */
export const API_SOCKET = "api";
/** Most workers one pool may have: a typo like 10000 should not fork-bomb the machine. */
export const MAX_WORKERS = 1024;

export interface ServeDefaults {
  readonly host?: string;
  readonly port?: number;
  readonly backlog?: number;
  readonly apiWorkers?: number;
  readonly timeout?: number;
  readonly timeoutKeepAlive?: number;
  readonly timeoutGracefulShutdown?: number;
  readonly unixSockets?: boolean;
  /** An access log line per request from TypeScript API workers (default true; runners never). */
  readonly accessLog?: boolean;
  /** TLS (the bento:tls plugin); paths relative to the manifest. No password here: give a file. */
  readonly sslCertfile?: string;
  readonly sslKeyfile?: string;
  readonly sslKeyfilePasswordFile?: string;
  readonly sslVersion?: number;
  readonly sslCertReqs?: number;
  readonly sslCaCerts?: string;
  readonly sslCiphers?: string;
}

export interface ValidateOptions {
  /** Placeholder names the built-in plugins add (the manifest's own plugins add theirs). */
  readonly placeholders?: readonly string[];
}

export interface RunnerInput {
  readonly command: CommandInput;
  readonly workers?: number;
  /** Env for each worker: entry i goes to worker id i+1 (e.g. CUDA_VISIBLE_DEVICES). */
  readonly workerEnv?: readonly Record<string, string>[];
  readonly env?: Record<string, string>;
  /** When a worker counts as ready (see docs/worker-contract.md). */
  readonly ready?: ReadyInput;
  /** What the whole pool needs when it runs on its own host or pod (`bento-kit export`). */
  readonly resources?: ResourcesInput;
  /** Which changed files restart this pool under `serve --reload`, e.g. `{ include: ["*.py"] }`. */
  readonly reload?: PoolReloadInput;
}

export interface ServiceInput {
  readonly name: string;
  readonly api: {
    readonly command: CommandInput;
    readonly workers?: number;
    readonly env?: Record<string, string>;
    readonly ready?: ReadyInput;
    readonly resources?: ResourcesInput;
    readonly reload?: PoolReloadInput;
  };
  readonly runners?: Record<string, RunnerInput>;
  /** A gRPC API server pool (`start-grpc-server`, `serve --grpc`). */
  readonly grpc?: GrpcInput;
  /** Service env: defaults that the supervisor's own environment overrides. */
  readonly env?: Record<string, string>;
  readonly serve?: ServeDefaults;
  /** Plugins for this service, e.g. `[acmePlugin({ ... })]`, run after the built-in ones. */
  readonly plugins?: readonly BentoPlugin[];
}

export interface RunnerDef {
  readonly name: string;
  readonly command: Command;
  readonly workers: number;
  readonly workerEnv: readonly Readonly<Record<string, string>>[];
  readonly env: Readonly<Record<string, string>>;
  readonly ready?: ReadyInput;
  readonly resources?: ResourcesInput;
  readonly reload?: PoolReloadSpec;
}

export interface ServiceDef {
  readonly name: string;
  readonly api: {
    readonly command: Command;
    readonly workers?: number;
    readonly env: Readonly<Record<string, string>>;
    readonly ready?: ReadyInput;
    readonly resources?: ResourcesInput;
    readonly reload?: PoolReloadSpec;
  };
  readonly runners: readonly RunnerDef[];
  readonly grpc?: GrpcDef;
  readonly env: Readonly<Record<string, string>>;
  readonly serve: ServeDefaults;
  readonly plugins: readonly BentoPlugin[];
}

/** Typing helper for `bento.config.ts`: `export default defineService({...})`. */
export function defineService(service: ServiceInput): ServiceInput {
  return service;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const RUNNER_NAME = /^[A-Za-z0-9_-]+$/;
const SERVE_KEYS = {
  host: "string",
  port: "port",
  backlog: "positive",
  apiWorkers: "positive",
  timeout: "positive",
  timeoutKeepAlive: "positive",
  timeoutGracefulShutdown: "nonnegative",
  unixSockets: "boolean",
  accessLog: "boolean",
  sslCertfile: "string",
  sslKeyfile: "string",
  sslKeyfilePasswordFile: "string",
  sslVersion: "nonnegative",
  sslCertReqs: "nonnegative",
  sslCaCerts: "string",
  sslCiphers: "string",
} as const;

/** Check a loaded manifest; `file` names it in the error. */
export function validateManifest(
  input: unknown,
  file: string,
  options: ValidateOptions = {},
): Result<ServiceDef, ManifestInvalid> {
  const c = createChecker();
  if (!c.object(input, "")) return err(manifestInvalid(file, c.issues));
  c.knownKeys(input, "", ["name", "api", "runners", "grpc", "env", "serve", "plugins"]);
  c.string(input.name, "name", NAME, "letters, digits, '_', '.' or '-'");
  const env = envRecord(c, input.env, "env");
  const plugins = validatePlugins(c, input.plugins);
  const extra = [
    ...(options.placeholders ?? []),
    ...plugins.flatMap((p) => (Array.isArray(p?.placeholders) ? p.placeholders : [])),
  ];
  const runners = validateRunners(c, input.runners, extra);
  const api = validateApi(c, input.api, extra);
  const serve = validateServe(c, input.serve);
  const grpc = validateGrpc(c, input.grpc, {
    command: (value, path, sockets) => checkCommand(c, value, path, sockets, extra),
    env: (value, path) => envRecord(c, value, path),
    maxWorkers: MAX_WORKERS,
  });
  if (c.issues.length > 0 || !api) return err(manifestInvalid(file, c.issues));
  return ok({ name: input.name as string, api, runners, env, serve, plugins, ...(grpc && { grpc }) });
}

function validateApi(c: Checker, api: unknown, extra: readonly string[]): ServiceDef["api"] | undefined {
  if (!c.object(api, "api", "an object with a `command`, e.g. { command: { module: './api.ts' } }")) return;
  c.knownKeys(api, "api", ["command", "workers", "env", "ready", "resources", "reload"]);
  const command = checkCommand(c, api.command, "api.command", ["api"], extra);
  const workers = c.optionalInt(api.workers, "api.workers", 1, MAX_WORKERS);
  const env = envRecord(c, api.env, "api.env");
  const ready = validateReady(c, api.ready, "api.ready");
  const resources = validateResources(c, api.resources, "api.resources");
  const reload = validatePoolReload(c, api.reload, "api.reload");
  return command && { command, workers, env, ready, resources, ...(reload && { reload }) };
}

function validateRunners(c: Checker, runners: unknown, extra: readonly string[]): RunnerDef[] {
  if (runners === undefined) return [];
  if (!c.object(runners, "runners", "an object of runner name to runner")) return [];
  // In an object literal `__proto__: {...}` sets the prototype: the runner would silently not exist.
  const proto: unknown = Object.getPrototypeOf(runners);
  if (proto !== Object.prototype && proto !== null) {
    c.issue(
      "runners.__proto__",
      'in an object literal `__proto__:` sets the prototype instead of naming a runner: write ["__proto__"]: or rename the runner',
    );
  }
  const defs: RunnerDef[] = [];
  for (const [name, runner] of Object.entries(runners)) {
    const path = `runners.${name}`;
    if (!RUNNER_NAME.test(name)) c.issue(path, "a runner name may hold only letters, digits, '_' and '-'");
    else if (name === API_SOCKET) {
      c.issue(path, `"${API_SOCKET}" is the name of the API server's socket: give the runner another name`);
    }
    if (!c.object(runner, path)) continue;
    c.knownKeys(runner, path, ["command", "workers", "workerEnv", "env", "ready", "resources", "reload"]);
    const command = checkCommand(c, runner.command, `${path}.command`, [name], extra);
    const workers = c.optionalInt(runner.workers, `${path}.workers`, 1, MAX_WORKERS) ?? 1;
    const workerEnv = c.recordList(runner.workerEnv, `${path}.workerEnv`);
    workerEnv.forEach((e, i) => envIssues(e, `${path}.workerEnv[${i}]`).forEach((x) => c.issue(x.path, x.message)));
    if (runner.workerEnv !== undefined && workerEnv.length !== workers) {
      c.issue(
        `${path}.workerEnv`,
        `has ${workerEnv.length} ${workerEnv.length === 1 ? "entry" : "entries"} for ${workers} ` +
          `worker${workers === 1 ? "" : "s"}: give one env object per worker`,
      );
    }
    const env = envRecord(c, runner.env, `${path}.env`);
    const ready = validateReady(c, runner.ready, `${path}.ready`);
    const resources = validateResources(c, runner.resources, `${path}.resources`);
    const reload = validatePoolReload(c, runner.reload, `${path}.reload`);
    if (command) defs.push({ name, command, workers, workerEnv, env, ready, resources, ...(reload && { reload }) });
  }
  return defs;
}

function validateServe(c: Checker, serve: unknown): ServeDefaults {
  if (serve === undefined || !c.object(serve, "serve")) return {};
  c.knownKeys(serve, "serve", [...Object.keys(SERVE_KEYS), "sslKeyfilePassword"]);
  if (serve.sslKeyfilePassword !== undefined) {
    c.issue(
      "serve.sslKeyfilePassword",
      "a manifest is no place for a password (it gets committed and copied): " +
        "put it in a file only you can read and give serve.sslKeyfilePasswordFile, or set BENTO_SSL_KEYFILE_PASSWORD",
    );
  }
  for (const [key, type] of Object.entries(SERVE_KEYS)) {
    const value = serve[key];
    if (value === undefined) continue;
    const path = `serve.${key}`;
    if (type === "string") c.string(value, path);
    else if (type === "boolean") c.boolean(value, path);
    else if (type === "port") c.optionalInt(value, path, 0, 65535);
    else if (key === "apiWorkers") c.optionalInt(value, path, 1, MAX_WORKERS);
    else c.optionalInt(value, path, type === "positive" ? 1 : 0);
  }
  return serve as ServeDefaults;
}

const PLUGIN_NAME = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/;

function validatePlugins(c: Checker, plugins: unknown): BentoPlugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) {
    c.issue("plugins", "expected an array of plugins, e.g. [acmePlugin()]");
    return [];
  }
  plugins.forEach((plugin, i) => {
    if (c.object(plugin, `plugins[${i}]`, "a plugin object made by definePlugin()")) {
      c.string(plugin.name, `plugins[${i}].name`, PLUGIN_NAME, 'a scoped name like "acme:metrics"');
    }
  });
  return plugins as BentoPlugin[];
}

/** An env object: strings only, names and values the OS accepts (see env-rules.ts). */
function envRecord(c: Checker, value: unknown, path: string): Record<string, string> {
  const env = c.stringRecord(value, path);
  for (const issue of envIssues(env, path)) c.issue(issue.path, issue.message);
  return env;
}

function checkCommand(
  c: Checker,
  input: unknown,
  path: string,
  sockets: readonly string[],
  extra: readonly string[],
): Command | undefined {
  const issues = commandIssues(input, sockets, extra);
  for (const issue of issues) {
    const sep = issue.path === "" || issue.path.startsWith("[") ? "" : ".";
    c.issue(`${path}${sep}${issue.path}`, issue.message);
  }
  return issues.length === 0 ? normalizeCommand(input as CommandInput) : undefined;
}
