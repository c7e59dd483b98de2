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

export interface OptionInvalid {
  readonly kind: "OptionInvalid";
  readonly message: string;
  readonly option: string;
}

export interface SocketPathTooLong {
  readonly kind: "SocketPathTooLong";
  readonly message: string;
  readonly path: string;
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

export interface HookVetoed {
  readonly kind: "HookVetoed";
  readonly message: string;
  readonly plugin: string;
  readonly hook: string;
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

export type SpecError = OptionInvalid | SocketPathTooLong;
export type HookError = HookVetoed | HookFailed;
export type StartError = BindFailed | SpawnFailed | HookError | SpecError;
export type BentoError =
  | ManifestInvalid
  | ManifestNotFound
  | SpecError
  | StartError
  | PoolGaveUp;

export function manifestInvalid(file: string, issues: readonly ManifestIssue[]): ManifestInvalid {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return { kind: "ManifestInvalid", file, issues, message: `${file} has ${count}:\n${lines}` };
}

export function manifestNotFound(path: string, message: string): ManifestNotFound {
  return { kind: "ManifestNotFound", path, message };
}

export function optionInvalid(option: string, message: string): OptionInvalid {
  return { kind: "OptionInvalid", option, message: `${option}: ${message}` };
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

export function hookVetoed(plugin: string, hook: string, reason: string): HookVetoed {
  return { kind: "HookVetoed", plugin, hook, message: `Plugin ${plugin} vetoed ${hook}: ${reason}` };
}

export function hookFailed(plugin: string, hook: string, cause: unknown): HookFailed {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return { kind: "HookFailed", plugin, hook, cause, message: `Plugin ${plugin} failed in ${hook}: ${reason}` };
}

export function poolGaveUp(pool: string, message: string): PoolGaveUp {
  return { kind: "PoolGaveUp", pool, message };
}
