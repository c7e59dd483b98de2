/**
 * One pool of workers (circus: a watcher): spawns workers 1..N, replaces a
 * dead worker with the same id the moment it exits (with crash-loop
 * back-off), and stops its workers' process groups.
 */
import { err, ok, type Result } from "neverthrow";
import { type BackoffPolicy, decideRespawn } from "./backoff.ts";
import { type PoolGaveUp, poolGaveUp, type StartError, spawnFailed } from "./errors.ts";
import type { HookRunner } from "./hooks.ts";
import type { Logger } from "./logger.ts";
import type { ExitAdvice } from "./plugin.ts";
import type { Clock, RuntimePort } from "./ports.ts";
import { buildSpawnRequest } from "./spawn-request.ts";
import { type BoundSocket, describeExit, type LaunchSpec, type SpawnPlan, type WatcherSpec, type WorkerExit } from "./types.ts";
import { describeFailure } from "./_failure.ts";

export type SupervisorEvent =
  | { readonly type: "spawn"; readonly pool: string; readonly workerId: number; readonly pid: number }
  | { readonly type: "exit"; readonly exit: WorkerExit }
  | { readonly type: "respawn-scheduled"; readonly pool: string; readonly workerId: number; readonly delayMs: number };

export interface PoolDeps {
  readonly spec: WatcherSpec;
  readonly launch: () => LaunchSpec;
  readonly runtime: RuntimePort;
  readonly hooks: HookRunner;
  readonly sockets: ReadonlyMap<string, BoundSocket>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly policy: BackoffPolicy;
  readonly output: (stream: "stdout" | "stderr", line: string) => void;
  readonly emit: (event: SupervisorEvent) => void;
  readonly giveUp: (error: PoolGaveUp) => void;
}

interface Worker { readonly id: number; readonly pid: number; readonly startedAt: number; stopping: boolean }

export interface PoolSnapshot {
  readonly name: string;
  readonly target: number;
  readonly workers: readonly { readonly id: number; readonly pid: number; readonly startedAt: number }[];
}

export interface Pool {
  /** Start order: lower first; stops go the other way. */
  readonly priority: number;
  /** Spawn workers 1..N; stops early once `cancelled()` says a stop began. */
  start(cancelled: () => boolean): Promise<Result<void, StartError>>;
  /** Send SIGTERM to every worker's process group (after spawns in flight have landed). */
  terminate(): Promise<void>;
  /** True once every process group this pool signalled is gone. */
  gone(): boolean;
  /** SIGKILL every process group of this pool. */
  killAll(): void;
  snapshot(): PoolSnapshot;
}

/** Variables the supervisor sets: neither the pool's `env` nor a `workerEnv` entry overrides them. */
function bentoVariables(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("BENTO_")));
}

export function createPool(deps: PoolDeps): Pool {
  const { spec, runtime, clock, logger } = deps;
  const workers = new Map<number, Worker>();
  const quickFailures = new Map<number, number>();
  const timers = new Map<number, { cancel(): void }>();
  const inFlight = new Set<Promise<unknown>>();
  const stderrTails = new Map<number, string[]>();
  const signalled = new Set<number>();
  let stopping = false;

  function planFor(id: number): SpawnPlan {
    return {
      pool: spec.name, role: spec.role, workerId: id, command: spec.command, cwd: spec.cwd,
      env: { ...spec.env, ...spec.workerEnv[id - 1], ...bentoVariables(spec.env) }, sockets: spec.sockets,
      vars: deps.launch().vars, keepStdin: spec.keepStdin,
    };
  }

  function spawnWorker(id: number): Promise<Result<void, StartError>> {
    const spawning = spawnOnce(id);
    inFlight.add(spawning);
    return spawning.finally(() => inFlight.delete(spawning));
  }

  async function spawnOnce(id: number): Promise<Result<void, StartError>> {
    const plan = await deps.hooks.waterfall("beforeSpawn", planFor(id));
    if (plan.isErr()) return err(plan.error);
    const request = buildSpawnRequest(plan.value, deps.sockets, (m) => runtime.moduleArgv(m));
    if (request.isErr()) return err(request.error);
    const child = await runtime.spawn(request.value);
    if (child.isErr()) return err(spawnFailed(spec.name, `Pool ${spec.name}, worker ${id}: ${child.error.message}`, child.error.code));
    const worker: Worker = { id, pid: child.value.pid, startedAt: clock.now(), stopping };
    workers.set(id, worker);
    const tag = `[${spec.name}:${id}]`;
    const tail: string[] = [];
    stderrTails.set(id, tail);
    child.value.onLine((stream, line) => {
      if (stream === "stderr" && tail.push(`${tag} ${line}`) > 20) tail.shift();
      deps.output(stream, `${tag} ${line}`);
    });
    child.value.onExit((code, signal) => void onExit(worker, code, signal));
    deps.emit({ type: "spawn", pool: spec.name, workerId: id, pid: worker.pid });
    logger.debug(`worker ${id} started (pid ${worker.pid})`);
    return ok(undefined);
  }

  async function onExit(worker: Worker, code: number | null, signal: string | null): Promise<void> {
    if (workers.get(worker.id) === worker) workers.delete(worker.id);
    const exit: WorkerExit = {
      pool: spec.name, workerId: worker.id, pid: worker.pid, code, signal,
      uptimeMs: clock.now() - worker.startedAt, expected: worker.stopping || stopping,
    };
    deps.emit({ type: "exit", exit });
    // Whatever the worker started dies with it: once the group's leader is gone,
    // nothing in the group drains on its behalf (during a stop too).
    runtime.killGroup(worker.pid, "SIGKILL");
    if (exit.expected) return;
    const outcome = await deps.hooks.parallel("onExit", exit);
    for (const e of outcome.errors) logger.error(e.message);
    if (stopping) return;
    const vetoed = outcome.results.some((r) => (r as ExitAdvice | undefined)?.respawn === false);
    const what = `worker ${worker.id} (pid ${worker.pid}) ${describeExit(exit)} after ${(exit.uptimeMs / 1000).toFixed(1)} s`;
    const details = () => describeFailure(spec, stderrTails.get(worker.id) ?? []);
    if (!spec.respawn || vetoed) {
      const why = vetoed ? "a plugin asked not to respawn it" : "respawn is off (BENTO_CONTAINERIZED)";
      logger.warn(`${what}; not replaced: ${why}`);
      if (workers.size === 0) deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} lost its last worker: ${what}, and ${why}.${details()}`));
      return;
    }
    const decision = nextRespawn(worker.id, exit.uptimeMs);
    if (decision.action === "give-up") {
      deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} gave up: ${what}, ${decision.quickFailures} times in a row soon after starting.${details()}`));
      return;
    }
    logger.warn(`${what}; replacing it${decision.delayMs > 0 ? ` in ${decision.delayMs} ms` : ""}`);
    deps.emit({ type: "respawn-scheduled", pool: spec.name, workerId: worker.id, delayMs: decision.delayMs });
    scheduleRespawn(worker.id, decision.delayMs);
  }

  /** The back-off decision for worker `id`'s latest death, its quick-death count updated. */
  function nextRespawn(id: number, uptimeMs: number) {
    const decision = decideRespawn(deps.policy, { quickFailures: quickFailures.get(id) ?? 0, uptimeMs, random: clock.random() });
    quickFailures.set(id, decision.quickFailures);
    return decision;
  }

  function scheduleRespawn(id: number, delayMs: number): void {
    const timer = clock.setTimeout(async () => {
      timers.delete(id);
      if (stopping) return;
      const result = await spawnWorker(id);
      if (result.isOk()) return;
      logger.error(result.error.message);
      const decision = nextRespawn(id, 0);
      if (decision.action === "give-up") deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} gave up: ${result.error.message}`));
      else if (!stopping) scheduleRespawn(id, decision.delayMs);
    }, delayMs);
    timers.set(id, timer);
  }

  return {
    priority: spec.priority,
    async start(cancelled) {
      for (let id = 1; id <= spec.workers && !cancelled(); id++) {
        const result = await spawnWorker(id);
        if (result.isErr()) return result;
      }
      return ok(undefined);
    },
    async terminate() {
      stopping = true;
      for (const t of timers.values()) t.cancel();
      timers.clear();
      await Promise.allSettled([...inFlight]);
      for (const w of workers.values()) {
        w.stopping = true;
        signalled.add(w.pid);
        runtime.killGroup(w.pid, "SIGTERM");
      }
    },
    // Also wait for each exit to be reported: it comes after the worker's last output lines are read.
    gone: () => workers.size === 0 && [...signalled].every((pid) => !runtime.groupAlive(pid)),
    killAll() {
      stopping = true;
      for (const w of workers.values()) signalled.add(w.pid);
      for (const pid of signalled) runtime.killGroup(pid, "SIGKILL");
    },
    snapshot() {
      return { name: spec.name, target: spec.workers, workers: [...workers.values()].map(({ id, pid, startedAt }) => ({ id, pid, startedAt })) };
    },
  };
}
