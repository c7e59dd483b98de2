/**
 * The vocabulary of bento-kit: pure data shared by the spec builders, the
 * hook pipeline and the supervisor. Nothing here touches a runtime API.
 */

/** A listening socket the supervisor binds before any worker starts. */
export type SocketSpec = TcpSocketSpec | UnixSocketSpec;

export interface TcpSocketSpec {
  readonly kind: "tcp";
  readonly name: string;
  /** IPv4 or IPv6 literal, or a hostname resolved at bind time. */
  readonly host: string;
  /** 0 picks a free port; the bound port is held for the supervisor's life. */
  readonly port: number;
  readonly backlog: number;
  readonly reusePort?: boolean;
  /**
   * Bind only, never listen, never hand to a worker: the supervisor holds the
   * port for workers that bind it themselves with SO_REUSEPORT (Python grpcio).
   * A runtime that cannot set SO_REUSEPORT (Node < 22.12) only checks that the
   * port is free and returns fd -1 (nothing held).
   */
  readonly reserve?: boolean;
}

export interface UnixSocketSpec {
  readonly kind: "unix";
  readonly name: string;
  readonly path: string;
  readonly backlog: number;
}

/** Where a bound socket really listens (port 0 resolved, hostname resolved). */
export type BoundAddress =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number; readonly family: 4 | 6 }
  | { readonly kind: "unix"; readonly path: string };

export interface BoundSocket {
  readonly spec: SocketSpec;
  readonly fd: number;
  readonly address: BoundAddress;
  /** Inherited, not bound here (socket activation, an upgrade): closing it leaves a Unix socket's file in place. */
  readonly adopted?: boolean;
}

/** The runtimes a TypeScript/JavaScript module worker can run on. */
export type WorkerRuntime = "node" | "bun" | "deno";
export const WORKER_RUNTIMES: readonly WorkerRuntime[] = ["node", "bun", "deno"];

/**
 * How to start one worker. `argv` runs a program; `module` runs a TypeScript
 * or JavaScript module on `runtime` (default: the supervisor's own; see
 * worker-runtime.ts), Deno workers with `denoPermissions` on top of the least
 * they need. Strings may hold placeholders such as `{fd:api}` or `{worker_id}`.
 */
export type Command =
  | { readonly kind: "argv"; readonly argv: readonly string[] }
  | ModuleCommand;

export interface ModuleCommand {
  readonly kind: "module";
  readonly module: string;
  readonly args: readonly string[];
  readonly runtime?: WorkerRuntime;
  /** Extra Deno flags (`--allow-read=/models`, `--allow-net=api.example.com`), Deno workers only. */
  readonly denoPermissions?: readonly string[];
}

export type PoolRole = "runner" | "api" | "grpc" | "metrics";

/** How to run one pool of workers (circus: a watcher). */
export interface WatcherSpec {
  readonly name: string;
  readonly role: PoolRole;
  readonly command: Command;
  readonly workers: number;
  readonly env: Readonly<Record<string, string>>;
  /** Env for worker id i+1 is workerEnv[i] (e.g. CUDA_VISIBLE_DEVICES per worker). */
  readonly workerEnv: readonly Readonly<Record<string, string>>[];
  readonly cwd: string;
  /** Names of the sockets handed to each worker, in fd order from 3. */
  readonly sockets: readonly string[];
  readonly respawn: boolean;
  /** Niceness each worker gets once spawned (0 or absent: the supervisor's own). */
  readonly nice?: number;
  /** Seconds between the stop signal and SIGKILL. */
  readonly gracefulTimeout: number;
  /** Start order: lower first (runners 0, API 10). Stop runs in reverse. */
  readonly priority: number;
  readonly keepStdin: boolean;
  /** When a worker counts as ready (default: when it writes READY=1 to BENTO_READY_FD). */
  readonly ready?: ReadySpec;
  /** Exactly one worker, always (circus's `singleton`, BentoML's prom_server): scaling it beyond 1 is refused. */
  readonly singleton?: boolean;
  /** The files whose change concerns this pool under `serve --reload` (default: see import-graph.ts). */
  readonly reload?: PoolReloadSpec;
}

/** A pool's declared reload scope: `.gitignore`-style patterns relative to its cwd (pool-reload.ts). */
export interface PoolReloadSpec {
  readonly include: readonly string[];
}

/**
 * When a worker counts as ready. A worker that writes `READY=1` to the pipe
 * named by `BENTO_READY_FD` is ready at once; a pool may also accept an output
 * line matching `log`, or the time `afterMs` after the spawn. A worker still
 * not ready after `timeoutMs` is reported by name (and fails a rolling restart).
 */
export interface ReadySpec {
  readonly log?: string;
  readonly afterMs?: number;
  readonly timeoutMs: number;
}

/** The whole plan for one command: pure data, built by pure functions. */
export interface LaunchSpec {
  readonly command: "serve" | "start-runner-server" | "start-http-server" | "start-grpc-server";
  readonly service: string;
  readonly sockets: readonly SocketSpec[];
  readonly watchers: readonly WatcherSpec[];
  /** Private per-instance directory (Unix sockets live here); removed on stop. */
  readonly runDir: string;
  /** Values for argv placeholders common to every worker. */
  readonly vars: Readonly<Record<string, string>>;
  /** Where the service answers, for the start-up log line. */
  readonly publicSocket?: string;
  /**
   * This instance's tag: every worker gets `BENTO_INSTANCE=<tag>`, and whatever
   * a worker starts inherits it, so the stop finds descendants that left their
   * worker's process group.
   */
  readonly instance?: string;
}

/** One worker about to be spawned; the input of the `beforeSpawn` waterfall. */
export interface SpawnPlan {
  readonly pool: string;
  readonly role: PoolRole;
  readonly workerId: number;
  readonly command: Command;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly sockets: readonly string[];
  /** Placeholder values: `{name}` in argv becomes vars[name]. */
  readonly vars: Readonly<Record<string, string>>;
  readonly keepStdin: boolean;
}

/** One line a worker printed, unprefixed, and whose it is (the CLI formats it: text or JSON). */
export interface WorkerLine {
  readonly pool: string;
  readonly workerId: number;
  readonly pid: number;
  readonly text: string;
}

/** How a worker ended; the input of `onExit`. */
export interface WorkerExit {
  readonly pool: string;
  readonly workerId: number;
  readonly pid: number;
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
  /** Milliseconds the worker ran. */
  readonly uptimeMs: number;
  /** True when the supervisor asked it to stop. */
  readonly expected: boolean;
}

export function describeExit(exit: Pick<WorkerExit, "code" | "signal">): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
