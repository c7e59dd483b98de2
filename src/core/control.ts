/**
 * Steering a running service: scale a pool, restart one worker, roll a pool,
 * stop. Each request goes through the `beforeControl` waterfall (a plugin may
 * veto or reshape it) and ends as a Result with a tagged error.
 */
import type { HookError } from "./errors.ts";
import type { Result } from "neverthrow";
import type { CertificateView, SlotState, SupervisorEvent } from "./events.ts";

export type ControlRequest =
  | { readonly action: "scale"; readonly pool: string; readonly workers: number }
  | { readonly action: "restart"; readonly pool: string }
  | { readonly action: "restart-worker"; readonly pool: string; readonly workerId: number }
  | { readonly action: "reload" }
  | { readonly action: "stop" };

export interface PoolNotFound {
  readonly kind: "PoolNotFound";
  readonly message: string;
  readonly pool: string;
}
export interface WorkerNotFound {
  readonly kind: "WorkerNotFound";
  readonly message: string;
  readonly pool: string;
  readonly workerId: number;
}
export interface WorkerCountInvalid {
  readonly kind: "WorkerCountInvalid";
  readonly message: string;
  readonly workers: unknown;
}
export interface PoolIsSingleton {
  readonly kind: "PoolIsSingleton";
  readonly message: string;
  readonly pool: string;
  readonly workers: number;
}
export interface OperationInProgress {
  readonly kind: "OperationInProgress";
  readonly message: string;
  readonly pool: string;
}
export interface RolloutFailed {
  readonly kind: "RolloutFailed";
  readonly message: string;
  readonly pool: string;
  readonly workerId: number;
}
export interface ServiceStopping {
  readonly kind: "ServiceStopping";
  readonly message: string;
}

/** `reload`: the TLS files read again fail their check; nothing changed, the old certificate keeps serving. */
export interface ReloadRefused {
  readonly kind: "ReloadRefused";
  readonly message: string;
}
/** `reload`: a pool's roll stopped (a replacement never became ready); the workers still running keep serving. */
export interface ReloadStopped {
  readonly kind: "ReloadStopped";
  readonly message: string;
}

/** A new supervisor could not take over (`bento-kit upgrade`): the running one keeps serving. */
export interface UpgradeFailed {
  readonly kind: "UpgradeFailed";
  readonly message: string;
}

export type ControlError =
  | UpgradeFailed
  | ReloadRefused
  | ReloadStopped
  | PoolNotFound
  | WorkerNotFound
  | WorkerCountInvalid
  | PoolIsSingleton
  | OperationInProgress
  | RolloutFailed
  | ServiceStopping
  | HookError;

/** One worker as the admin API shows it. */
export interface WorkerView {
  readonly id: number;
  /** Null while the slot waits for a respawn (`backoff`). */
  readonly pid: number | null;
  readonly state: SlotState;
  /** Epoch ms the current process started / became ready. */
  readonly startedAt: number | null;
  readonly readyAt: number | null;
  /** Times this worker id was replaced after an unexpected exit. */
  readonly restarts: number;
  readonly lastExit: {
    readonly code: number | null;
    readonly signal: string | null;
    readonly reason: string;
    readonly at: number;
  } | null;
  /** Why the worker is kept down (state `vetoed`): the plugin and its reason. */
  readonly vetoed: SpawnVeto | null;
}

/** A `beforeSpawn` veto that keeps a worker down until it is restarted. */
export interface SpawnVeto {
  readonly plugin: string;
  readonly message: string;
  readonly at: number;
}

/** What a service reload did: the pools as they are now, and the certificate served (null: no TLS). */
export interface ServiceReloaded {
  readonly pools: readonly PoolView[];
  readonly certificate: CertificateView | null;
}

export interface PoolView {
  readonly name: string;
  readonly role: string;
  /** The number of workers the pool keeps. */
  readonly target: number;
  readonly ready: number;
  /** The operation in progress, if any. */
  readonly busy: "scale" | "restart" | null;
  readonly workers: readonly WorkerView[];
}

export function poolNotFound(pool: string, known: readonly string[]): PoolNotFound {
  return {
    kind: "PoolNotFound",
    pool,
    message: `No pool named "${pool}": the pools are ${known.map((p) => `"${p}"`).join(", ")}`,
  };
}

export function workerNotFound(pool: string, workerId: number, target: number): WorkerNotFound {
  return {
    kind: "WorkerNotFound",
    pool,
    workerId,
    message: `Pool ${pool} has no worker ${workerId}: its workers are 1..${target}`,
  };
}

export function workerCountInvalid(workers: unknown, max: number): WorkerCountInvalid {
  return {
    kind: "WorkerCountInvalid",
    workers,
    message: `workers: expected a whole number from 1 to ${max}, got ${JSON.stringify(workers) ?? String(workers)}`,
  };
}

export function poolIsSingleton(pool: string, workers: number): PoolIsSingleton {
  return {
    kind: "PoolIsSingleton",
    pool,
    workers,
    message: `Pool ${pool} is a singleton: it runs exactly 1 worker and cannot be scaled to ${workers}`,
  };
}

export function operationInProgress(pool: string, what: string): OperationInProgress {
  return {
    kind: "OperationInProgress",
    pool,
    message: `Pool ${pool} is busy with a ${what}: try again when it is done`,
  };
}

export function rolloutFailed(pool: string, workerId: number, why: string): RolloutFailed {
  return {
    kind: "RolloutFailed",
    pool,
    workerId,
    message: `Restart of pool ${pool} stopped at worker ${workerId}: ${why}; the previous workers keep serving`,
  };
}

export function upgradeFailed(why: string): UpgradeFailed {
  return { kind: "UpgradeFailed", message: `Upgrade failed: ${why}; the running supervisor keeps serving` };
}

export function serviceStopping(): ServiceStopping {
  return { kind: "ServiceStopping", message: "The service is stopping: no more changes are accepted" };
}

/** What the admin server (or any controller) needs from a running supervisor. */
export interface ServiceControl {
  pools(): readonly PoolView[];
  /** Resize a pool: new workers are ready, or removed ones gone, when it resolves. */
  scale(pool: string, workers: number): Promise<Result<PoolView, ControlError>>;
  /** Rolling restart: each replacement ready before its old worker stops; one at a time. */
  restart(pool: string): Promise<Result<PoolView, ControlError>>;
  /** Replace one worker the same way. */
  restartWorker(pool: string, workerId: number): Promise<Result<PoolView, ControlError>>;
  /** Begin a graceful stop of the whole service (resolves once it has begun). */
  stop(): Promise<Result<void, ControlError>>;
  /**
   * `bento-kit reload`, SIGHUP: read the TLS certificate, key and password file
   * again and check them (a failed check changes nothing), then roll every
   * pool onto them, runners first. Resolves once every worker was replaced.
   */
  reloadService(): Promise<Result<ServiceReloaded, ControlError>>;
  on(listener: (event: SupervisorEvent) => void): () => void;
  /**
   * Replace the supervisor by a new one (the bento-kit on disk now, the
   * manifest as it is now) that takes over every held socket; resolves once
   * the new one is ready and this one has begun to drain.
   */
  upgrade?(): Promise<Result<{ readonly pid: number }, ControlError>>;
}
