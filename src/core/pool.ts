/**
 * One pool of workers (circus: a watcher). Each worker id 1..N is a slot
 * holding its current process; a dead worker is replaced with the same id the
 * moment it exits (with crash-loop back-off). A slot may briefly hold a
 * second process: a `candidate` started by a restart, promoted once it is
 * ready, or a `retiring` one being stopped. Scaling and restarts are in
 * `_pool-ops.ts`; this file owns the processes.
 */
import { err, ok, type Result } from "neverthrow";
import { type BackoffPolicy, decideRespawn } from "./backoff.ts";
import { poolGaveUp, type ServiceFailure, spawnFailed, type StartError } from "./errors.ts";
import type { SupervisorEvent } from "./events.ts";
import type { ControlError, PoolView } from "./control.ts";
import type { HookRunner, WaterfallError } from "./hooks.ts";
import type { Logger } from "./logger.ts";
import type { StopSignal, WorkerSignal } from "./plugin.ts";
import type { Clock, RuntimePort } from "./ports.ts";
import { buildSpawnRequest, type DirectLog } from "./spawn-request.ts";
import {
  type BoundSocket,
  describeExit,
  type LaunchSpec,
  type SpawnPlan,
  type WatcherSpec,
  type WorkerExit,
  type WorkerLine,
} from "./types.ts";
import { describeFailure } from "./_failure.ts";
import { createPoolOps, type Slot } from "./_pool-ops.ts";
import { DEFAULT_READY } from "./_readiness.ts";
import { createWorker, type Worker } from "./_worker.ts";
import { type EscapeSweep, WORKER_TAG_VAR } from "./_escape-sweep.ts";

export type { SupervisorEvent } from "./events.ts";

export interface PoolDeps {
  readonly spec: WatcherSpec;
  readonly launch: () => LaunchSpec;
  readonly runtime: RuntimePort;
  readonly hooks: HookRunner;
  readonly sockets: ReadonlyMap<string, BoundSocket>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly policy: BackoffPolicy;
  readonly output: (stream: "stdout" | "stderr", line: string, from?: WorkerLine) => void;
  /** Where workers write their own lines (spawn-request.ts); unset: every line comes through `output`. */
  readonly directLog?: DirectLog;
  readonly emit: (event: SupervisorEvent) => void;
  readonly giveUp: (error: ServiceFailure) => void;
  /** Tags each worker and sweeps what it left behind when it exits (`_escape-sweep.ts`). */
  readonly escapes?: Pick<EscapeSweep, "tag" | "sweep">;
}

export type { Worker, WorkerRole } from "./_worker.ts";

export interface Pool {
  readonly name: string;
  /** Start order: lower first; stops go the other way. */
  readonly priority: number;
  /** Spawn workers 1..N; stops early once `cancelled()` says a stop began. */
  start(cancelled: () => boolean): Promise<Result<void, StartError>>;
  /** Use `next` (same name) for the workers started from now on; returns the spec it replaces. */
  respec(next: WatcherSpec): WatcherSpec;
  /** Send SIGTERM to every worker's process group (after spawns in flight have landed). */
  terminate(): Promise<void>;
  /** True once every process group this pool signalled is gone. */
  gone(): boolean;
  /** SIGKILL every process group of this pool, spawns still in flight included. */
  killAll(): void;
  /** True when every slot's worker is ready. */
  allReady(): boolean;
  view(): PoolView;
  scale(workers: number): Promise<Result<PoolView, ControlError>>;
  restart(): Promise<Result<PoolView, ControlError>>;
  restartWorker(id: number): Promise<Result<PoolView, ControlError>>;
}

/** Spawns in a row before the event loop gets a turn (see `paced`). */
const SPAWN_BATCH = 4;
const STOP_SIGNALS: readonly string[] = ["SIGTERM", "SIGINT"] satisfies StopSignal[];

/** Variables the supervisor sets: neither the pool's `env` nor a `workerEnv` entry overrides them. */
function bentoVariables(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("BENTO_")));
}

export function createPool(deps: PoolDeps): Pool {
  const { runtime, clock, logger } = deps;
  let spec = deps.spec;
  let ready = spec.ready ?? DEFAULT_READY;
  const slots = new Map<number, Slot>();
  const live = new Set<Worker>();
  const inFlight = new Set<Promise<unknown>>();
  let sinceYield = 0;
  const signalled = new Set<number>();
  const state = { stopping: false, killed: false, started: false, target: spec.workers };
  const ranArgv = new Map<number, readonly string[]>();
  /** Each live worker's BENTO_WORKER_TAG: what it started is swept by it when it exits. */
  const workerTags = new Map<Worker, string>();

  function planFor(id: number): SpawnPlan {
    return {
      pool: spec.name,
      role: spec.role,
      workerId: id,
      command: spec.command,
      cwd: spec.cwd,
      env: { ...spec.env, ...spec.workerEnv[id - 1], ...bentoVariables(spec.env) },
      sockets: spec.sockets,
      vars: deps.launch().vars,
      keepStdin: spec.keepStdin,
    };
  }

  function slotFor(id: number): Slot {
    let slot = slots.get(id);
    if (!slot) slots.set(id, slot = { id, restarts: 0, quickFailures: 0, lastExit: null, vetoed: null });
    return slot;
  }

  /** Start a process for slot `id`: `current` replaces the slot's worker, `candidate` waits to be promoted. */
  function spawnWorker(id: number, role: "current" | "candidate"): Promise<Result<Worker | undefined, StartError>> {
    const spawning = paced().then(() => spawnOnce(id, role));
    inFlight.add(spawning);
    return spawning.finally(() => inFlight.delete(spawning));
  }

  /**
   * A spawn is synchronous in every runtime (fork/exec or posix_spawn) and its
   * promise settles in microtasks: a loop of them never lets the event loop
   * poll. Every SPAWN_BATCH spawns, one macrotask: a signal, an admin request
   * and the workers' output are handled between batches.
   */
  function paced(): Promise<void> {
    if (++sinceYield < SPAWN_BATCH) return Promise.resolve();
    sinceYield = 0;
    return new Promise((resolve) => void clock.setTimeout(resolve, 0));
  }

  async function spawnOnce(id: number, role: "current" | "candidate"): Promise<Result<Worker | undefined, StartError>> {
    const plan = await deps.hooks.waterfall("beforeSpawn", planFor(id));
    if (plan.isErr()) return refused(id, role, plan.error);
    if (state.stopping) return ok(undefined); // a stop began while the hooks ran: spawn nothing
    // Set after the hooks, so that no plugin can drop it: the sweep at this worker's exit finds its processes by it.
    const tag = deps.escapes?.tag(spec.name, id);
    const tagged = tag ? { ...plan.value, env: { ...plan.value.env, [WORKER_TAG_VAR]: tag } } : plan.value;
    const request = buildSpawnRequest(tagged, deps.sockets, {
      moduleArgv: (m, launch) => runtime.moduleArgv(m, launch),
      runDir: deps.launch().runDir,
      log: deps.directLog,
      nice: spec.nice,
    });
    if (request.isErr()) return err(request.error);
    ranArgv.set(id, request.value.argv);
    const child = await runtime.spawn(request.value);
    if (child.isErr()) {
      return err(spawnFailed(spec.name, `Pool ${spec.name}, worker ${id}: ${child.error.message}`, child.error.code));
    }
    const worker = createWorker(child.value, id, role, {
      pool: spec.name,
      ready,
      clock,
      logger,
      output: deps.output,
      emit: deps.emit,
      onExit: (w, code, signal) => void onExit(w, code, signal),
    });
    live.add(worker);
    if (tag) workerTags.set(worker, tag);
    if (role === "current") Object.assign(slotFor(id), { current: worker, vetoed: null });
    deps.emit({ type: "spawn", pool: spec.name, workerId: id, pid: worker.pid });
    logger.debug(`worker ${id} started (pid ${worker.pid})`);
    const spawned = { pool: spec.name, workerId: id, pid: worker.pid, plan: tagged, argv: request.value.argv };
    void deps.hooks.parallel("afterSpawn", spawned).then((o) => o.errors.forEach((e) => logger.error(e.message)));
    // A stop (or a kill) that began while this spawn was in flight reaches it too.
    if (state.stopping) stopWorker(worker, state.killed ? "SIGKILL" : "SIGTERM");
    return ok(worker);
  }

  /**
   * A `beforeSpawn` Err. A plain veto of a worker's own spawn keeps that worker
   * down (state `vetoed`) and the rest of the pool runs; `{ stop: true }` stops
   * the service (at start `start()` fails with it); anything else (a throw, a
   * spec error) is a failed spawn. A veto of a restart's replacement fails the
   * restart: the old worker keeps serving.
   */
  function refused(id: number, role: "current" | "candidate", error: WaterfallError): Result<undefined, StartError> {
    if (error.kind !== "HookVetoed") return err(error);
    const stop = error.stop === true;
    deps.emit({
      type: "spawn-vetoed",
      pool: spec.name,
      workerId: id,
      plugin: error.plugin,
      message: error.message,
      stop,
    });
    if (stop) {
      logger.error(`worker ${id} not started: ${error.message}; the plugin asked to stop the service`);
      if (state.started) deps.giveUp(error);
      return err(error);
    }
    if (role !== "current") return err(error);
    slotFor(id).vetoed = { plugin: error.plugin, message: error.message, at: clock.now() };
    logger.warn(
      `worker ${id} stays down: ${error.message} (\`bento-kit restart ${spec.name} --worker ${id}\` tries again)`,
    );
    if (![...slots.values()].some((s) => s.current)) {
      logger.warn(`no worker of pool ${spec.name} is running: every one was vetoed or is down`);
    }
    return ok(undefined);
  }

  /**
   * Ask one worker to stop: its process group gets `signal`. SIGTERM goes
   * through the `beforeSignal` waterfall first (a plugin may choose SIGINT, or
   * hold it back: the graceful timeout's SIGKILL still comes); SIGKILL never does.
   */
  function stopWorker(worker: Worker, signal: "SIGTERM" | "SIGKILL", why: WorkerSignal["why"] = "stop"): void {
    worker.state = "stopping";
    signalled.add(worker.pid);
    if (signal === "SIGKILL" || !deps.hooks.handles("beforeSignal")) return void runtime.killGroup(worker.pid, signal);
    const asked: WorkerSignal = { pool: spec.name, workerId: worker.id, pid: worker.pid, signal, why };
    void deps.hooks.waterfall("beforeSignal", asked).then((shaped) => {
      if (!live.has(worker)) return;
      if (shaped.isOk()) {
        return void runtime.killGroup(
          worker.pid,
          STOP_SIGNALS.includes(shaped.value.signal) ? shaped.value.signal : signal,
        );
      }
      if (shaped.error.kind === "HookVetoed") {
        return logger.warn(
          `${shaped.error.message}: ${signal} not sent to worker ${worker.id} (pid ${worker.pid}); SIGKILL follows at the graceful timeout`,
        );
      }
      logger.error(`${shaped.error.message}: sending ${signal} to worker ${worker.id} (pid ${worker.pid}) anyway`);
      runtime.killGroup(worker.pid, signal);
    });
  }

  async function onExit(worker: Worker, code: number | null, signal: string | null): Promise<void> {
    live.delete(worker);
    const slot = slots.get(worker.id);
    const wasCurrent = slot?.current === worker;
    if (wasCurrent) slot!.current = undefined;
    const expected = worker.state === "stopping" || state.stopping || !wasCurrent;
    const exit: WorkerExit = {
      pool: spec.name,
      workerId: worker.id,
      pid: worker.pid,
      code,
      signal,
      uptimeMs: clock.now() - worker.startedAt,
      expected,
    };
    const what = `worker ${worker.id} (pid ${worker.pid}) ${describeExit(exit)} after ${
      (exit.uptimeMs / 1000).toFixed(1)
    } s`;
    if (slot && wasCurrent) {
      slot.lastExit = {
        code,
        signal,
        reason: describeExit(exit) + (expected ? " (asked to stop)" : ""),
        at: clock.now(),
      };
    }
    deps.emit({ type: "exit", exit, reason: describeExit(exit) });
    // Whatever the worker started dies with it: once the group's leader is gone,
    // nothing in the group drains on its behalf (during a stop too).
    runtime.killGroup(worker.pid, "SIGKILL");
    // ...and so does what left the group (setsid, detached): found by the worker's tag, off the respawn's path.
    const tag = workerTags.get(worker);
    workerTags.delete(worker);
    if (tag) deps.escapes?.sweep(tag, spec.gracefulTimeout * 1000);
    const tail = worker.stderrTail;
    if (worker.role === "candidate" && worker.state !== "stopping") {
      logger.warn(`${what} before it was ready; the previous worker keeps serving`);
    }
    if (expected) return;
    const outcome = await deps.hooks.parallel("onExit", exit);
    for (const e of outcome.errors) logger.error(e.message);
    if (state.stopping || slots.get(worker.id) !== slot) return;
    const vetoed = outcome.results.some((r) => r.respawn === false);
    const details = () => describeFailure(spec, tail, ranArgv.get(worker.id));
    if (!spec.respawn || vetoed) {
      const why = vetoed ? "a plugin asked not to respawn it" : "respawn is off (BENTO_CONTAINERIZED)";
      logger.warn(`${what}; not replaced: ${why}`);
      if (![...slots.values()].some((s) => s.current)) {
        deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} lost its last worker: ${what}, and ${why}.${details()}`));
      }
      return;
    }
    const decision = nextRespawn(slot!, exit.uptimeMs);
    if (decision.action === "give-up") {
      deps.emit({
        type: "give-up",
        pool: spec.name,
        message: `${what}, ${decision.quickFailures} times in a row soon after starting`,
      });
      deps.giveUp(
        poolGaveUp(
          spec.name,
          `Pool ${spec.name} gave up: ${what}, ${decision.quickFailures} times in a row soon after starting.${details()}`,
        ),
      );
      return;
    }
    logger.warn(`${what}; replacing it${decision.delayMs > 0 ? ` in ${decision.delayMs} ms` : ""}`);
    deps.emit({ type: "respawn-scheduled", pool: spec.name, workerId: worker.id, delayMs: decision.delayMs });
    scheduleRespawn(slot!, decision.delayMs);
  }

  /** The back-off decision for a slot's latest death, its quick-death count updated. */
  function nextRespawn(slot: Slot, uptimeMs: number) {
    const decision = decideRespawn(deps.policy, {
      quickFailures: slot.quickFailures,
      uptimeMs,
      random: clock.random(),
    });
    slot.quickFailures = decision.quickFailures;
    return decision;
  }

  function scheduleRespawn(slot: Slot, delayMs: number): void {
    slot.timer = clock.setTimeout(async () => {
      slot.timer = undefined;
      if (state.stopping || slots.get(slot.id) !== slot || slot.current) return;
      slot.restarts += 1;
      const result = await spawnWorker(slot.id, "current");
      if (result.isOk() || (result.error.kind === "HookVetoed" && result.error.stop)) return;
      logger.error(result.error.message);
      const decision = nextRespawn(slot, 0);
      if (decision.action === "give-up") {
        deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} gave up: ${result.error.message}`));
      } else if (!state.stopping) scheduleRespawn(slot, decision.delayMs);
    }, delayMs);
  }

  const ops = createPoolOps({
    get spec() {
      return spec;
    },
    get ready() {
      return ready;
    },
    clock,
    logger,
    slots,
    state,
    emit: deps.emit,
    runtime,
    spawnWorker,
    stopWorker,
    slotFor,
  });

  return {
    name: spec.name,
    priority: spec.priority,
    async start(cancelled) {
      for (let id = 1; id <= spec.workers && !cancelled() && !state.stopping; id++) {
        const result = await spawnWorker(id, "current");
        if (result.isErr()) return err(result.error);
      }
      state.started = true;
      return ok(undefined);
    },
    respec(next) {
      const previous = spec;
      spec = next;
      ready = next.ready ?? DEFAULT_READY;
      return previous;
    },
    async terminate() {
      state.stopping = true;
      for (const slot of slots.values()) slot.timer?.cancel();
      await Promise.allSettled([...inFlight]);
      for (const w of live) stopWorker(w, "SIGTERM");
    },
    // Also wait for each exit to be reported: it comes after the worker's last output lines are read.
    // Exits reported first (they come after a worker's last output), then one /proc pass for the groups.
    gone() {
      if (live.size > 0) return false;
      const alive = runtime.aliveGroups?.(signalled) ??
        new Set([...signalled].filter((pid) => runtime.groupAlive(pid)));
      // A group seen gone is forgotten: its id may later be reused by an unrelated process group.
      for (const pid of signalled) if (!alive.has(pid)) signalled.delete(pid);
      return alive.size === 0;
    },
    killAll() {
      state.stopping = true;
      state.killed = true;
      for (const slot of slots.values()) slot.timer?.cancel();
      for (const w of live) signalled.add(w.pid);
      for (const pid of signalled) runtime.killGroup(pid, "SIGKILL");
    },
    // A worker kept down by a veto is not waited for.
    allReady: () => [...slots.values()].every((s) => s.current?.state === "ready" || (!s.current && s.vetoed !== null)),
    view: () => ops.view(),
    scale: (workers) => ops.scale(workers),
    restart: () => ops.restart(),
    restartWorker: (id) => ops.restartWorker(id),
  };
}
