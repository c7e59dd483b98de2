/**
 * One pool of workers (circus: a watcher): spawns workers 1..N, replaces a
 * dead worker with the same id the moment it exits (with crash-loop
 * back-off), and stops its workers' process groups within a deadline.
 */
import { err, ok, type Result } from "neverthrow";
import { decideRespawn, type BackoffPolicy } from "./backoff.ts";
import { type HookError, type PoolGaveUp, poolGaveUp, type SpawnFailed, spawnFailed } from "./errors.ts";
import type { HookRunner } from "./hooks.ts";
import type { Logger } from "./logger.ts";
import type { Clock, RuntimePort } from "./ports.ts";
import { buildSpawnRequest } from "./spawn-request.ts";
import { type BoundSocket, describeExit, type LaunchSpec, type SpawnPlan, type WatcherSpec, type WorkerExit } from "./types.ts";
import type { ExitAdvice } from "./plugin.ts";
import { waitFor } from "./_wait.ts";

const STDERR_TAIL = 20;

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
  /** Spawn workers 1..N; stops early once `cancelled()` says a stop began. */
  start(cancelled: () => boolean): Promise<Result<void, SpawnFailed | HookError>>;
  stop(deadline: number): Promise<void>;
  killAll(): void;
  snapshot(): PoolSnapshot;
}

export function createPool(deps: PoolDeps): Pool {
  const { spec, runtime, clock, logger } = deps;
  const workers = new Map<number, Worker>();
  const quickFailures = new Map<number, number>();
  const timers = new Map<number, { cancel(): void }>();
  /** The last stderr lines of each worker id's current (or latest) run. */
  const stderrTails = new Map<number, string[]>();
  let stopping = false;
  let stoppingGroups: number[] = [];

  function planFor(id: number): SpawnPlan {
    return {
      pool: spec.name, role: spec.role, workerId: id, command: spec.command, cwd: spec.cwd,
      env: { ...spec.env, ...spec.workerEnv[id - 1] }, sockets: spec.sockets,
      vars: deps.launch().vars, keepStdin: spec.keepStdin,
    };
  }

  async function spawnWorker(id: number): Promise<Result<void, SpawnFailed | HookError>> {
    const plan = await deps.hooks.waterfall("beforeSpawn", planFor(id));
    if (plan.isErr()) return err(plan.error);
    const request = buildSpawnRequest(plan.value, deps.sockets, (m) => runtime.moduleArgv(m));
    if (request.isErr()) return err(request.error);
    const child = await runtime.spawn(request.value);
    if (child.isErr()) return err(spawnFailed(spec.name, `Pool ${spec.name}, worker ${id}: ${child.error.message}`, child.error.code));
    const worker: Worker = { id, pid: child.value.pid, startedAt: clock.now(), stopping: false };
    workers.set(id, worker);
    const tag = `[${spec.name}:${id}]`;
    const tail: string[] = [];
    stderrTails.set(id, tail);
    child.value.onLine((stream, line) => {
      if (stream === "stderr" && tail.push(`${tag} ${line}`) > STDERR_TAIL) tail.shift();
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
    if (exit.expected) return;
    runtime.killGroup(worker.pid, "SIGKILL"); // whatever the dead worker started dies with it
    const outcome = await deps.hooks.parallel("onExit", exit);
    for (const e of outcome.errors) logger.error(e.message);
    if (stopping) return;
    const vetoed = outcome.results.some((r) => (r as ExitAdvice | undefined)?.respawn === false);
    const what = `worker ${worker.id} (pid ${worker.pid}) ${describeExit(exit)} after ${(exit.uptimeMs / 1000).toFixed(1)} s`;
    if (!spec.respawn || vetoed) {
      const why = vetoed ? "a plugin asked not to respawn it" : "respawn is off (BENTO_CONTAINERIZED)";
      logger.warn(`${what}; not replaced: ${why}`);
      if (workers.size === 0) deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} lost its last worker: ${what}, and ${why}.${details(worker.id)}`));
      return;
    }
    const decision = decideRespawn(deps.policy, quickFailures.get(worker.id) ?? 0, exit.uptimeMs, clock.random());
    quickFailures.set(worker.id, decision.quickFailures);
    if (decision.action === "give-up") {
      deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} gave up: ${what}, ${decision.quickFailures} times in a row soon after starting.${details(worker.id)}`));
      return;
    }
    logger.warn(`${what}; replacing it${decision.delayMs > 0 ? ` in ${decision.delayMs} ms` : ""}`);
    deps.emit({ type: "respawn-scheduled", pool: spec.name, workerId: worker.id, delayMs: decision.delayMs });
    scheduleRespawn(worker.id, decision.delayMs);
  }

  function scheduleRespawn(id: number, delayMs: number): void {
    const timer = clock.setTimeout(async () => {
      timers.delete(id);
      if (stopping) return;
      const result = await spawnWorker(id);
      if (result.isErr()) {
        logger.error(result.error.message);
        const decision = decideRespawn(deps.policy, quickFailures.get(id) ?? 0, 0, clock.random());
        quickFailures.set(id, decision.quickFailures);
        if (decision.action === "give-up") deps.giveUp(poolGaveUp(spec.name, `Pool ${spec.name} gave up: ${result.error.message}`));
        else scheduleRespawn(id, decision.delayMs);
      }
    }, delayMs);
    timers.set(id, timer);
  }

  function details(id: number): string {
    const stderrTail = stderrTails.get(id) ?? [];
    const command = spec.command.kind === "argv" ? spec.command.argv.join(" ") : `module ${spec.command.module} ${spec.command.args.join(" ")}`;
    const tail = stderrTail.length ? `\n  last stderr lines:\n${stderrTail.map((l) => `    ${l}`).join("\n")}` : "\n  (it wrote nothing to stderr)";
    return `\n  command: ${command.trim()}${tail}`;
  }

  return {
    async start(cancelled) {
      for (let id = 1; id <= spec.workers && !cancelled(); id++) {
        const result = await spawnWorker(id);
        if (result.isErr()) return result;
      }
      return ok(undefined);
    },
    async stop(deadline) {
      stopping = true;
      for (const t of timers.values()) t.cancel();
      timers.clear();
      const pids = (stoppingGroups = [...workers.values()].map((w) => ((w.stopping = true), w.pid)));
      for (const pid of pids) runtime.killGroup(pid, "SIGTERM");
      const gone = () => pids.every((pid) => !runtime.groupAlive(pid));
      if (await waitFor(clock, gone, deadline - clock.now())) return;
      logger.warn(`workers still running after the graceful timeout: sending SIGKILL`);
      for (const pid of pids) runtime.killGroup(pid, "SIGKILL");
      await waitFor(clock, gone, 2_000);
    },
    killAll() {
      stopping = true;
      for (const w of workers.values()) runtime.killGroup(w.pid, "SIGKILL");
      for (const pid of stoppingGroups) runtime.killGroup(pid, "SIGKILL");
    },
    snapshot() {
      return { name: spec.name, target: spec.workers, workers: [...workers.values()].map(({ id, pid, startedAt }) => ({ id, pid, startedAt })) };
    },
  };
}
