/**
 * The runtime ports: everything the core needs from Node, Bun or Deno comes
 * through these interfaces, implemented in src/runtime/.
 */
import type { Result, ResultAsync } from "neverthrow";
import type { BindFailed, SpawnFailed } from "./errors.ts";
import type { BoundSocket, SocketSpec, WorkerRuntime } from "./types.ts";

export type RuntimeName = "node" | "bun" | "deno";

/** How one module worker is started: its runtime and, for Deno, its permission flags. */
export interface ModuleLaunch {
  readonly runtime: WorkerRuntime;
  readonly denoFlags: readonly string[];
}

export interface SpawnRequest {
  /** Program and arguments, placeholders already expanded. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Raw fds handed to the child as fds 3, 4, ... in this order. */
  readonly fds: readonly number[];
  readonly keepStdin: boolean;
  /** stdout and stderr are this process's own, not read as lines (a process that outlives this one: an upgrade's new supervisor). */
  readonly inheritOutput?: boolean;
  /** Open a pipe as the fd after `fds` (the worker finds it in BENTO_READY_FD) and report its lines. */
  readonly notify?: boolean;
  /**
   * The supervisor's own stdout (a raw fd), handed to the child as the fd
   * after the notify pipe (`BENTO_LOG_FD`): bento-kit/worker writes its
   * formatted lines there itself instead of through the piped stdout.
   */
  readonly logFd?: number;
}

export interface ChildProcessHandle {
  readonly pid: number;
  /** Called once, the moment the child exits. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Called for each complete line the child writes. */
  onLine(listener: (stream: "stdout" | "stderr", line: string) => void): void;
  /** Called for each line the child writes to its notify pipe (`READY=1`, systemd style). */
  onNotify?(listener: (line: string) => void): void;
}

export interface RuntimePort {
  readonly name: RuntimeName;
  /** Bind (and where the runtime can, listen on) a socket; the supervisor holds the fd. */
  bind(spec: SocketSpec): ResultAsync<BoundSocket, BindFailed>;
  /**
   * Take over a listening socket this process inherited (socket activation,
   * src/core/activation.ts) as `spec`: the fd as it is, its address from getsockname.
   */
  adopt?(fd: number, spec: SocketSpec): Result<BoundSocket, BindFailed>;
  /** Close a bound socket; unlinks a Unix socket file. */
  close(socket: BoundSocket): void;
  /** Start a process in its own process group. */
  spawn(request: SpawnRequest): ResultAsync<ChildProcessHandle, SpawnFailed>;
  /** Signal a whole process group; false when the group no longer exists. */
  killGroup(pgid: number, signal: "SIGTERM" | "SIGKILL" | "SIGINT"): boolean;
  /** True while any process of the group is alive. */
  groupAlive(pgid: number): boolean;
  /** The groups among `pgids` with a live process, in one pass (1024 workers stop without 1024 scans). */
  aliveGroups?(pgids: Iterable<number>): Set<number>;
  /**
   * Signal every process whose environment holds one of `tags` (`BENTO_INSTANCE=...`,
   * `BENTO_WORKER_TAG=...`), in one pass: descendants that left their worker's
   * process group or session. How many were signalled.
   */
  signalTagged?(tags: string | readonly string[], signal: "SIGTERM" | "SIGKILL" | 0): number;
  /** argv prefix that runs a TypeScript/JavaScript module as a worker on `launch.runtime`. */
  moduleArgv(module: string, launch: ModuleLaunch): readonly string[];
  removeDir(path: string): void;
  /** Serve HTTP (the admin server) on host:port; port 0 picks a free one. */
  serveHttp?(app: HttpApp, options: HttpServeOptions): ResultAsync<HttpServer, BindFailed>;
  /**
   * Where workers write their own log lines (`BENTO_LOG_FD`): this process's
   * stdout, or where it cannot be handed on as it is (a socket, for a Bun or
   * Deno supervisor), a pipe whose bytes `relay` gets, in whole lines.
   * Undefined: neither (stdout closed).
   */
  workerStdout?(relay: (bytes: Uint8Array) => void): WorkerStdout | undefined;
  /** Memory and CPU time of a live process, where the platform tells (Linux /proc). */
  processStats?(pid: number): ProcessStats | undefined;
  /** Watch a directory tree for file changes (`serve --reload`). */
  watch?(root: string, options: WatchOptions): Result<FileWatch, WatchFailed>;
}

/** The fd workers get for their own lines; `close` ends a relay once what they wrote is out (at most `ms`). */
export interface WorkerStdout {
  readonly fd: number;
  close(ms: number): Promise<void>;
}

/** What `watch` is told: which directories to leave out, and where changes go. */
export interface WatchOptions {
  /** True for a directory (path relative to the root, `/`-separated) not to watch, nor anything under it. */
  skipDir(relPath: string): boolean;
  /** Paths (relative to the root, `/`-separated) of files created, changed, removed or renamed. */
  onChange(relPaths: readonly string[]): void;
}

export interface FileWatch {
  close(): void;
}

/** Why a directory cannot be watched (e.g. the inotify watch limit); `serve` then runs without reload. */
export interface WatchFailed {
  readonly kind: "WatchFailed";
  readonly message: string;
}

/**
 * A fetch-style app (a Hono app): a Fetch API Request in, a Response (or a
 * promise of one) out. Typed loosely because src/core has no DOM typings; the
 * adapters, which have the Fetch API, pass real Requests and Responses.
 */
export interface HttpApp {
  fetch(request: { readonly url: string; readonly method: string }): unknown;
}

/** Where to serve, and the bounds on connections nobody has authenticated yet (defaults in the adapter). */
export interface HttpServeOptions {
  readonly host: string;
  readonly port: number;
  /** Open connections at once; one more is closed as it is accepted. */
  readonly maxConnections?: number;
  /** A request head must arrive within this of the connection opening (or the last response). */
  readonly headerTimeoutMs?: number;
  /** A kept-alive connection with no request in flight closes after this. */
  readonly idleTimeoutMs?: number;
}

export interface HttpServer {
  /** Where it really listens (port 0 resolved). */
  readonly host: string;
  readonly port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

export interface ProcessStats {
  readonly rssBytes: number;
  /** User plus system CPU time. */
  readonly cpuSeconds: number;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  random(): number;
}
