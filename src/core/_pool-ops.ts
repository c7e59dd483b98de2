/**
 * Steering one pool: scale it, replace one worker, or roll the whole pool.
 * A replacement starts first and takes over only once it is ready; the worker
 * it replaces is then stopped gracefully. One operation at a time per pool,
 * so the pool never has fewer ready workers than before.
 */
import { err, ok, type Result } from "neverthrow";
import {
  type ControlError,
  operationInProgress,
  poolIsSingleton,
  type PoolView,
  rolloutFailed,
  serviceStopping,
  type SpawnVeto,
  workerCountInvalid,
  workerNotFound,
} from "./control.ts";
import type { StartError } from "./errors.ts";
import type { SupervisorEvent } from "./events.ts";
import type { Logger } from "./logger.ts";
import { MAX_WORKERS } from "./manifest.ts";
import type { Clock, RuntimePort } from "./ports.ts";
import type { ReadySpec, WatcherSpec } from "./types.ts";
import type { Worker } from "./_worker.ts";

/** A pool's place for one worker: the process in it now, and its restart record. */
export interface Slot {
  readonly id: number;
  current?: Worker;
  restarts: number;
  quickFailures: number;
  lastExit: PoolView["workers"][number]["lastExit"];
  /** Set while a `beforeSpawn` veto keeps this worker down; cleared when a process takes the slot. */
  vetoed: SpawnVeto | null;
  timer?: { cancel(): void };
}

export interface PoolInternals {
  readonly spec: WatcherSpec;
  readonly ready: ReadySpec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtime: RuntimePort;
  readonly slots: Map<number, Slot>;
  readonly state: { stopping: boolean; target: number };
  emit(event: SupervisorEvent): void;
  spawnWorker(id: number, role: "current" | "candidate"): Promise<Result<Worker | undefined, StartError>>;
  stopWorker(worker: Worker, signal: "SIGTERM" | "SIGKILL", why?: "stop" | "retire"): void;
  slotFor(id: number): Slot;
}

export function createPoolOps(p: PoolInternals) {
  const pool = p.spec.name;
  let busy: "scale" | "restart" | null = null;

  function view(): PoolView {
    const workers = [...p.slots.values()].sort((a, b) => a.id - b.id).map((slot) => {
      const w = slot.current;
      return {
        id: slot.id,
        pid: w?.pid ?? null,
        state: w ? w.state : slot.timer ? "backoff" as const : slot.vetoed ? "vetoed" as const : "stopped" as const,
        startedAt: w?.startedAt ?? null,
        readyAt: w?.readyAt ?? null,
        restarts: slot.restarts,
        lastExit: slot.lastExit,
        vetoed: w ? null : slot.vetoed,
      };
    });
    return {
      name: pool,
      role: p.spec.role,
      target: p.state.target,
      ready: workers.filter((w) => w.state === "ready").length,
      busy,
      workers,
    };
  }

  async function exclusive(
    what: "scale" | "restart",
    work: () => Promise<Result<void, ControlError>>,
  ): Promise<Result<PoolView, ControlError>> {
    if (p.state.stopping) return err(serviceStopping());
    if (busy) return err(operationInProgress(pool, busy));
    busy = what;
    let done: Result<void, ControlError>;
    try {
      done = await work();
    } finally {
      busy = null;
    }
    return done.map(view); // the view of a finished operation: busy no more
  }

  /** What `promise` resolves to, or `fallback` if it has not within `ms`. */
  function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
    return new Promise((resolve) => {
      const timer = p.clock.setTimeout(() => resolve(fallback), ms);
      void promise.then((value) => {
        timer.cancel();
        resolve(value);
      });
    });
  }
  const exitedWithin = (w: Worker, ms: number) => within(w.exited.then(() => true), ms, false);

  /** Stop a worker gracefully; SIGKILL after the graceful timeout. Resolves when it has exited. */
  async function retire(worker: Worker): Promise<void> {
    worker.role = "retiring";
    p.stopWorker(worker, "SIGTERM", "retire");
    if (await exitedWithin(worker, p.spec.gracefulTimeout * 1000)) return;
    p.logger.warn(`worker ${worker.id} (pid ${worker.pid}) still running after the graceful timeout: sending SIGKILL`);
    p.stopWorker(worker, "SIGKILL");
    await exitedWithin(worker, 2_000);
  }

  /**
   * Start a replacement for worker `id`, wait until it is ready, then retire the old one.
   * A slot a plugin keeps down (vetoed, no process) whose replacement is vetoed again is skipped.
   */
  async function replace(id: number): Promise<Result<"replaced" | "skipped", ControlError>> {
    const spawned = await p.spawnWorker(id, "candidate");
    if (spawned.isErr()) {
      const slot = p.slots.get(id);
      const vetoed = spawned.error.kind === "HookVetoed" && spawned.error.stop !== true;
      if (vetoed && slot?.vetoed && !slot.current) return ok("skipped");
      return err(rolloutFailed(pool, id, spawned.error.message));
    }
    const candidate = spawned.value;
    if (!candidate) return err(serviceStopping());
    let exited = false;
    void candidate.exited.then(() => (exited = true));
    const ready = await within(candidate.settled, p.ready.timeoutMs, false);
    if (!ready || exited) {
      const why = exited ? "exited before it was ready" : `was not ready within ${p.ready.timeoutMs / 1000} s`;
      if (!exited) await retire(candidate);
      return err(rolloutFailed(pool, id, `its replacement (pid ${candidate.pid}) ${why}`));
    }
    if (p.state.stopping) return err(serviceStopping());
    const slot = p.slotFor(id);
    const old = slot.current;
    slot.timer?.cancel();
    slot.timer = undefined;
    candidate.role = "current";
    slot.current = candidate;
    slot.vetoed = null;
    slot.quickFailures = 0;
    slot.restarts += 1; // a restart asked for counts, as a respawn does (RESTARTS in `bento-kit status`)
    if (old) await retire(old);
    return ok("replaced");
  }

  async function rollout(ids: readonly number[], workerId?: number): Promise<Result<void, ControlError>> {
    p.emit({ type: "restart", pool, workerId, phase: "begin" });
    for (const id of ids) {
      const replaced = await replace(id);
      if (replaced.isErr()) {
        p.emit({ type: "restart", pool, workerId: id, phase: "failed", message: replaced.error.message });
        p.logger.error(replaced.error.message);
        return err(replaced.error);
      }
      if (replaced.value === "skipped") {
        p.logger.warn(`restart: worker ${id} skipped, a plugin keeps it down (${p.slots.get(id)?.vetoed?.message})`);
      }
    }
    p.emit({ type: "restart", pool, workerId, phase: "done" });
    return ok(undefined);
  }

  async function grow(from: number, to: number): Promise<Result<void, ControlError>> {
    const started: Worker[] = [];
    // A stop ends the loop at once; spawnWorker yields to I/O between batches.
    for (let id = from + 1; id <= to && !p.state.stopping; id++) {
      p.slotFor(id);
      const spawned = await p.spawnWorker(id, "current");
      if (spawned.isErr()) return err(rolloutFailed(pool, id, spawned.error.message));
      if (spawned.value) started.push(spawned.value);
    }
    await Promise.all(started.map((w) => within(w.settled, p.ready.timeoutMs, false)));
    return ok(undefined);
  }

  async function shrink(from: number, to: number): Promise<Result<void, ControlError>> {
    const leaving: Worker[] = [];
    for (let id = from; id > to; id--) {
      const slot = p.slots.get(id);
      p.slots.delete(id);
      slot?.timer?.cancel();
      if (slot?.current) leaving.push(slot.current);
    }
    await Promise.all(leaving.map(retire));
    return ok(undefined);
  }

  return {
    view,
    scale(workers: number): Promise<Result<PoolView, ControlError>> {
      if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
        return Promise.resolve(err(workerCountInvalid(workers, MAX_WORKERS)));
      }
      if (p.spec.singleton && workers !== 1) return Promise.resolve(err(poolIsSingleton(pool, workers)));
      return exclusive("scale", () => {
        const from = p.state.target;
        if (workers === from) return Promise.resolve(ok(undefined));
        p.state.target = workers;
        p.emit({ type: "scale", pool, from, to: workers });
        p.logger.info(`scaling from ${from} to ${workers} worker${workers === 1 ? "" : "s"}`);
        return workers > from ? grow(from, workers) : shrink(from, workers);
      });
    },
    restart(): Promise<Result<PoolView, ControlError>> {
      return exclusive("restart", () => rollout([...p.slots.keys()].sort((a, b) => a - b)));
    },
    restartWorker(id: number): Promise<Result<PoolView, ControlError>> {
      if (!p.slots.has(id)) return Promise.resolve(err(workerNotFound(pool, id, p.state.target)));
      return exclusive("restart", () => rollout([id], id));
    },
  };
}
