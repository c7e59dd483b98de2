/**
 * Tagged errors: plain readonly objects with a PascalCase `kind` and a message
 * that names the field or thing and says what to do. Nothing in src/core throws.
 */

export interface ManifestIssue {
  /** Dotted path in the manifest, e.g. `runners.iris.workers`. */
  readonly path: string;
  readonly message: string;
}

export interface ManifestInvalid {
  readonly kind: "ManifestInvalid";
  readonly message: string;
  readonly file: string;
  readonly issues: readonly ManifestIssue[];
}

export interface ManifestNotFound {
  readonly kind: "ManifestNotFound";
  readonly message: string;
  readonly path: string;
}

/** A manifest module that did not finish loading in time (a top-level await that never settles). */
export interface ManifestTimedOut {
  readonly kind: "ManifestTimedOut";
  readonly message: string;
  readonly file: string;
}

export interface OptionInvalid {
  readonly kind: "OptionInvalid";
  readonly message: string;
  readonly option: string;
}

/** A worker environment exec would refuse (too large), found before anything starts. */
export interface EnvInvalid {
  readonly kind: "EnvInvalid";
  readonly message: string;
  readonly pool: string;
}

/** The private temp directory cannot be created (read-only, missing or not a directory TMPDIR). */
export interface TempDirUnusable {
  readonly kind: "TempDirUnusable";
  readonly message: string;
  readonly dir: string;
  readonly code?: string;
}

/** The open-file limit is below what the launch needs (sockets, pipes per worker). */
export interface FdLimitTooLow {
  readonly kind: "FdLimitTooLow";
  readonly message: string;
  readonly needed: number;
  readonly limit: number;
}

export interface SocketPathTooLong {
  readonly kind: "SocketPathTooLong";
  readonly message: string;
  readonly path: string;
}

/** A TLS setting that cannot work: a missing or unreadable file, a certificate and key that do not match, a wrong password, a certificate out of its dates. */
export interface TlsInvalid {
  readonly kind: "TlsInvalid";
  readonly message: string;
  /** The option at fault, e.g. `--ssl-keyfile`. */
  readonly option: string;
  readonly file?: string;
}

export interface BindFailed {
  readonly kind: "BindFailed";
  readonly message: string;
  readonly socket: string;
  /** errno name when known: EADDRINUSE, EACCES, ENOTFOUND, ... */
  readonly code?: string;
}

export interface SpawnFailed {
  readonly kind: "SpawnFailed";
  readonly message: string;
  readonly pool: string;
  readonly code?: string;
}

/** Found before anything starts: a worker's program, interpreter or module cannot run as written. */
export interface PreflightFailed {
  readonly kind: "PreflightFailed";
  readonly message: string;
  readonly pool: string;
}

export interface HookVetoed {
  readonly kind: "HookVetoed";
  readonly message: string;
  readonly plugin: string;
  readonly hook: string;
  /** The plugin asked to stop the whole service (`err({ message, stop: true })`). */
  readonly stop?: boolean;
}

export interface HookFailed {
  readonly kind: "HookFailed";
  readonly message: string;
  readonly plugin: string;
  readonly hook: string;
  readonly cause?: unknown;
}

export interface PoolGaveUp {
  readonly kind: "PoolGaveUp";
  readonly message: string;
  readonly pool: string;
}

/** Why a running service stopped on its own: a pool gave up, or a plugin vetoed a spawn with `stop: true`. */
export type ServiceFailure = PoolGaveUp | HookVetoed;

export type SpecError = OptionInvalid | SocketPathTooLong | EnvInvalid | TlsInvalid;
export type HookError = HookVetoed | HookFailed;
export type StartError = BindFailed | SpawnFailed | HookError | SpecError;
export type BentoError =
  | ManifestInvalid
  | ManifestNotFound
  | ManifestTimedOut
  | SpecError
  | StartError
  | TempDirUnusable
  | FdLimitTooLow
  | PreflightFailed
  | RunnerNotFound
  | RunnerMapInvalid
  | PoolGaveUp;

export function manifestInvalid(file: string, issues: readonly ManifestIssue[]): ManifestInvalid {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return { kind: "ManifestInvalid", file, issues, message: `${file} has ${count}:\n${lines}` };
}

export function manifestNotFound(path: string, message: string): ManifestNotFound {
  return { kind: "ManifestNotFound", path, message };
}

export function manifestTimedOut(file: string, seconds: number, setting: string): ManifestTimedOut {
  return {
    kind: "ManifestTimedOut",
    file,
    message:
      `${file} did not finish loading within ${seconds} s: a top-level await in it (or in a module it imports) ` +
      `never settled; make it settle, or move the slow work into the workers (${setting}=SECONDS sets the limit)`,
  };
}

export function optionInvalid(option: string, message: string): OptionInvalid {
  return { kind: "OptionInvalid", option, message: `${option}: ${message}` };
}

export function tlsInvalid(option: string, message: string, file?: string): TlsInvalid {
  return { kind: "TlsInvalid", option, file, message };
}

export function envInvalid(pool: string, message: string): EnvInvalid {
  return { kind: "EnvInvalid", pool, message };
}

export function tempDirUnusable(dir: string, code: string | undefined, reason: string): TempDirUnusable {
  return {
    kind: "TempDirUnusable",
    dir,
    code,
    message: `Cannot create a private directory in the temp dir ${dir} (${code ?? "error"}: ${reason}): ` +
      `set TMPDIR to a writable directory, e.g. TMPDIR=/tmp`,
  };
}

export function fdLimitTooLow(needed: number, limit: number, what: string): FdLimitTooLow {
  return {
    kind: "FdLimitTooLow",
    needed,
    limit,
    message: `${what} needs about ${needed} open files, and the open-file limit is ${limit}: ` +
      `raise it with "ulimit -n ${needed}" (or more) before starting, or start fewer workers`,
  };
}

export function socketPathTooLong(path: string, bytes: number, limit: number): SocketPathTooLong {
  return {
    kind: "SocketPathTooLong",
    path,
    message: `Unix socket path ${path} is ${bytes} bytes, over the ${limit}-byte AF_UNIX limit: ` +
      `set TMPDIR to a shorter directory, or use --no-unix-sockets to connect runners over loopback TCP`,
  };
}

export function bindFailed(socket: string, message: string, code?: string): BindFailed {
  return { kind: "BindFailed", socket, message, code };
}

export function spawnFailed(pool: string, message: string, code?: string): SpawnFailed {
  return { kind: "SpawnFailed", pool, message, code };
}

export function preflightFailed(pool: string, message: string): PreflightFailed {
  return { kind: "PreflightFailed", pool, message };
}

export function hookVetoed(plugin: string, hook: string, reason: string, stop = false): HookVetoed {
  const vetoed: HookVetoed = {
    kind: "HookVetoed",
    plugin,
    hook,
    message: `Plugin ${plugin} vetoed ${hook}: ${reason}`,
  };
  return stop ? { ...vetoed, stop } : vetoed;
}

export function hookFailed(plugin: string, hook: string, cause: unknown): HookFailed {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return { kind: "HookFailed", plugin, hook, cause, message: `Plugin ${plugin} failed in ${hook}: ${reason}` };
}

export function poolGaveUp(pool: string, message: string): PoolGaveUp {
  return { kind: "PoolGaveUp", pool, message };
}

/** `start-runner-server --runner-name` names no runner of the service. */
export interface RunnerNotFound {
  readonly kind: "RunnerNotFound";
  readonly message: string;
  readonly runner: string;
  readonly available: readonly string[];
}

/** A runner map (`--depends`, `--runner-map`) that misses a runner or holds a bad address; every problem is listed. */
export interface RunnerMapInvalid {
  readonly kind: "RunnerMapInvalid";
  readonly message: string;
  readonly problems: readonly string[];
}

export function runnerNotFound(runner: string, service: string, available: readonly string[]): RunnerNotFound {
  const list = available.length > 0 ? `the available runners are ${available.join(", ")}` : "it declares no runners";
  return {
    kind: "RunnerNotFound",
    runner,
    available,
    message: `Runner "${runner}" is not in service "${service}": ${list}`,
  };
}

export function runnerMapInvalid(problems: readonly string[]): RunnerMapInvalid {
  const message = problems.length === 1
    ? problems[0]!
    : `The runner map has ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join("\n")}`;
  return { kind: "RunnerMapInvalid", problems, message };
}
