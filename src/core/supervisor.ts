/**
 * The supervisor (circus: the arbiter): runs the plugins' `launchSpec`
 * hooks, binds every socket before any worker starts and holds them until it
 * stops, starts pools in priority order (runners before the API, which
 * waits until they are ready: `_start-order.ts`), and stops
 * everything within the graceful timeout. Runtime APIs come in through ports.
 */
import { err, ok, type Result } from "neverthrow";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff.ts";
import { bindFailed, type ServiceFailure, type StartError } from "./errors.ts";
import { createHookRunner } from "./hooks.ts";
import { createEventBus } from "./event-bus.ts";
import type { Logger } from "./logger.ts";
import type { BentoPlugin } from "./plugin.ts";
import type { Clock, RuntimePort } from "./ports.ts";
import type { ControlError, ServiceControl } from "./control.ts";
import { createPool, type Pool } from "./pool.ts";
import type { BoundSocket, LaunchSpec, SocketSpec, WatcherSpec, WorkerLine } from "./types.ts";
import { createControl } from "./_supervisor-control.ts";
import { applyReload, type ReloadFailed, type ReloadRequest } from "./_supervisor-reload.ts";
import { waitFor } from "./_wait.ts";
import { createEscapeSweep } from "./_escape-sweep.ts";
import { announcesReady, whenStarted } from "./_start-order.ts";
import { resolveWorkerRuntimes } from "./worker-runtime.ts";
import type { DirectLog } from "./spawn-request.ts";

export type { SupervisorEvent } from "./events.ts";
import type { UpgradeEvent } from "./events.ts";

export interface SupervisorOptions {
  readonly spec: LaunchSpec;
  readonly runtime: RuntimePort;
  readonly plugins: readonly BentoPlugin[];
  readonly logger: Logger;
  readonly clock: Clock;
  readonly backoff?: BackoffPolicy;
  /** Where worker output lines go, already prefixed with `[pool:wid]`; `from` says whose line it is, unprefixed. */
  readonly output: (stream: "stdout" | "stderr", line: string, from?: WorkerLine) => void;
  /** Hand workers the supervisor's stdout to write their own lines to (bento-kit/worker does; docs/logs.md). */
  readonly directLog?: DirectLog;
}

/** `reloadService` is the launch's (it reads the TLS files again): see src/launch/_tls-rotate.ts. */
export interface Supervisor extends Omit<ServiceControl, "stop" | "reloadService"> {
  /** Bind, then spawn every pool. On error nothing is left running or bound. */
  start(): Promise<Result<LaunchSpec, StartError>>;
  /** Graceful stop (idempotent); resolves when everything is gone. */
  stop(): Promise<void>;
  /** A stop asked for from outside (the admin API): goes through `beforeControl`, resolves once it began. */
  requestStop: ServiceControl["stop"];
  /** Resolves true once every worker of every pool is ready, false if the service stops first. */
  whenReady(): Promise<boolean>;
  /** Escalate a stop in progress: SIGKILL every worker's process group now. */
  kill(): void;
  /** Settles when the supervisor has stopped: Err when a pool gave up or a plugin stopped the service. */
  readonly done: Promise<Result<void, ServiceFailure>>;
  readonly sockets: ReadonlyMap<string, BoundSocket>;
  /** The launch spec as the plugins shaped it. */
  readonly spec: LaunchSpec;
  /** Tell every observer what the launch around the supervisor does (an upgrade's steps). */
  announce(event: UpgradeEvent): void;
  /** Before `bento-kit reload` or SIGHUP: Err when the service is stopping or a `beforeControl` plugin vetoes. */
  admitReload(): Promise<Result<void, ControlError>>;
  /** `serve --reload`: apply a reload plan for the files that changed (see `_supervisor-reload.ts`). */
  reload(files: readonly string[], request: ReloadRequest): Promise<Result<void, ReloadFailed>>;
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { runtime, clock, logger } = options;
  let spec = options.spec;
  const sockets = new Map<string, BoundSocket>();
  const hooks = createHookRunner(options.plugins, { logger, spec, sockets, clock });
  const events = createEventBus(logger);
  // The plugins' onEvent handlers are one subscriber of the bus `on()` feeds (the first): same
  // events, same order; their failures are logged.
  if (hooks.handles("onEvent")) {
    events.on((event) =>
      void hooks.parallel("onEvent", event).then((o) => o.errors.forEach((e) => logger.error(e.message)))
    );
  }
  let pools: Pool[] = [];
  let stopping: Promise<void> | undefined;
  let stopRequested = false;
  /** Called when a stop is asked for (a pool giving up too): the start-order wait ends (`_start-order.ts`). */
  const stopListeners = new Set<() => void>();
  const cancelled = () => stopRequested || failure !== undefined;
  /** Settles when `start()` has returned: a stop waits for it, so no pool escapes. */
  let starting: Promise<unknown> = Promise.resolve();
  let failure: ServiceFailure | undefined;
  let settle!: (result: Result<void, ServiceFailure>) => void;
  const done = new Promise<Result<void, ServiceFailure>>((resolve) => (settle = resolve));

  const emit = events.emit;
  const escapes = createEscapeSweep(runtime, clock, { instance: () => spec.instance, logger });

  async function bindAll(): Promise<Result<void, StartError>> {
    for (const socketSpec of spec.sockets) {
      const bound = await bindOne(socketSpec);
      if (bound.isErr()) return bound;
    }
    return ok(undefined);
  }

  async function bindOne(socketSpec: SocketSpec): Promise<Result<void, StartError>> {
    const shaped = await hooks.waterfall("beforeBind", socketSpec);
    if (shaped.isErr()) return err(shaped.error);
    if (sockets.has(shaped.value.name)) {
      return err(
        bindFailed(shaped.value.name, `Two sockets are named "${shaped.value.name}": give each socket its own name`),
      );
    }
    const bound = await runtime.bind(shaped.value);
    if (bound.isErr()) return err(bound.error);
    sockets.set(shaped.value.name, bound.value);
    logger.debug(`socket ${shaped.value.name} bound (fd ${bound.value.fd})`);
    return ok(undefined);
  }

  function newPool(watcher: WatcherSpec): Pool {
    const pool = createPool({
      spec: watcher,
      launch: () => spec,
      runtime,
      hooks,
      sockets,
      clock,
      emit,
      giveUp,
      // During a service stop the whole instance is swept once at the end (stopEscapees).
      escapes: {
        tag: escapes.tag,
        sweep(tag, ms) {
          if (!cancelled()) escapes.sweep(tag, ms);
        },
      },
      logger: logger.withTag(watcher.name),
      policy: options.backoff ?? DEFAULT_BACKOFF,
      output: options.output,
      directLog: options.directLog,
    });
    pools.push(pool);
    return pool;
  }

  async function release(): Promise<void> {
    for (const socket of sockets.values()) runtime.close(socket);
    sockets.clear();
    for (const e of await hooks.dispose()) logger.error(e.message);
    runtime.removeDir(spec.runDir);
  }

  /**
   * The stop sequence itself; runs once. Pools stop in stages, the reverse of
   * their start order: the API pool first, so its in-flight requests can
   * still reach the runners; each later stage gets SIGTERM when the one before
   * is gone, or at the latest halfway through the time left. Whatever still
   * runs at the graceful deadline gets SIGKILL.
   */
  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      emit({ type: "stop", phase: "stopping" });
      const deadline = clock.now() + Math.max(0, ...spec.watchers.map((w) => w.gracefulTimeout)) * 1000;
      const priorities = [...new Set(pools.map((p) => p.priority))].sort((a, b) => b - a);
      const stopped = poolsStopped();
      for (const [i, priority] of priorities.entries()) {
        const stage = pools.filter((p) => p.priority === priority);
        await Promise.all(stage.map((p) => p.terminate()));
        const last = i === priorities.length - 1;
        const until = last ? deadline : clock.now() + (deadline - clock.now()) / 2;
        await waitFor(clock, () => stage.every((p) => p.gone()), until - clock.now());
        stopped.check(stage);
      }
      const allGone = () => pools.every((p) => p.gone());
      if (!(await waitFor(clock, allGone, deadline - clock.now()))) {
        logger.warn("workers still running after the graceful timeout: sending SIGKILL");
        for (const pool of pools) pool.killAll();
        await waitFor(clock, allGone, 2_000);
      }
      stopped.check(pools);
      escapes.cancel();
      await stopEscapees(deadline);
      await stopped.settled();
      await release();
      emit({ type: "stop", phase: "stopped" });
      settle(failure ? err(failure) : ok(undefined));
    })();
    return stopping;
  }

  /**
   * Processes a worker started that left its process group (`setsid`,
   * `detached`) still carry the instance's tag: SIGTERM, then SIGKILL at the
   * deadline (at least 1 s later).
   */
  async function stopEscapees(deadline: number): Promise<void> {
    const tag = spec.instance && `BENTO_INSTANCE=${spec.instance}`;
    if (!tag || !runtime.signalTagged || runtime.signalTagged(tag, "SIGTERM") === 0) return;
    logger.warn("processes started by workers outside their process group are still running: sending SIGTERM");
    if (
      !(await waitFor(clock, () => runtime.signalTagged!(tag, 0) === 0, Math.max(1_000, deadline - clock.now()), 100))
    ) {
      runtime.signalTagged(tag, "SIGKILL");
    }
  }

  /** A stop asked for during start-up waits for `start()` to bail out, so no pool escapes it. */
  function stop(): Promise<void> {
    stopRequested = true;
    for (const wake of [...stopListeners]) wake();
    return starting.then(shutdown);
  }

  function giveUp(error: ServiceFailure): void {
    if (failure || stopRequested) return;
    failure = error;
    logger.error(
      error.kind === "PoolGaveUp"
        ? `Pool ${error.pool} failed: stopping every pool`
        : `Plugin ${error.plugin} asked to stop the service: stopping every pool`,
    );
    void stop();
  }

  /**
   * Each pool whose process groups are all gone, once: a `pool-stopped` event
   * and the `afterPoolStop` hooks (not waited for between stages, so a slow
   * handler does not hold back the next stage's SIGTERM; waited for before the
   * plugins are disposed).
   */
  function poolsStopped() {
    const seen = new Set<Pool>();
    const running: Promise<unknown>[] = [];
    return {
      check(candidates: readonly Pool[]) {
        for (const pool of candidates) {
          if (seen.has(pool) || !pool.gone()) continue;
          seen.add(pool);
          emit({ type: "pool-stopped", pool: pool.name });
          const view = pool.view();
          const value = {
            pool: pool.name,
            role: view.role,
            view,
            cause: failure ? "failure" as const : "stop" as const,
          };
          running.push(
            hooks.parallel("afterPoolStop", value).then((o) => o.errors.forEach((e) => logger.error(e.message))),
          );
        }
      },
      settled: () => Promise.all(running),
    };
  }

  async function start(): Promise<Result<LaunchSpec, StartError>> {
    // Stopped before it started: nothing may be bound or spawned any more.
    if (stopping) return ok(spec);
    const setup = await hooks.setup();
    const shaped = setup.isOk() ? await hooks.waterfall("launchSpec", spec) : setup;
    if (shaped.isErr()) return abort(shaped.error);
    // Module workers get their runtime; pools of Bun and Deno workers get SO_REUSEPORT reservations.
    spec = resolveWorkerRuntimes(shaped.value, runtime.name);
    hooks.setSpec(spec);
    const bound = await bindAll();
    if (bound.isErr()) return abort(bound.error);
    // {port} is the port really bound (--port 0 picks one).
    const publicAddress = sockets.get(spec.publicSocket ?? "")?.address;
    if (publicAddress?.kind === "tcp") spec = { ...spec, vars: { ...spec.vars, port: String(publicAddress.port) } };
    hooks.setSpec(spec);
    const ordered = [...spec.watchers].sort((a, b) => a.priority - b.priority);
    const announcing: { pool: Pool; priority: number }[] = [];
    for (const watcher of ordered) {
      // A later stage (the API after the runners) waits for the earlier pools that say when they are ready.
      const earlier = announcing.filter((a) => a.priority < watcher.priority).map((a) => a.pool);
      if (earlier.length > 0) {
        await whenStarted(earlier, {
          on: events.on,
          stopped: cancelled,
          onStop: (listener) => (stopListeners.add(listener), () => stopListeners.delete(listener)),
        });
      }
      if (cancelled()) break;
      const pool = newPool(watcher);
      if (announcesReady(watcher)) announcing.push({ pool, priority: watcher.priority });
      const started = await pool.start(cancelled);
      if (started.isErr()) return abort(started.error);
    }
    return ok(spec);

    async function abort(error: StartError): Promise<Result<LaunchSpec, StartError>> {
      failure = undefined;
      for (const pool of pools) pool.killAll();
      await shutdown();
      return err(error);
    }
  }

  const control = createControl({
    pools: () => pools,
    hooks,
    stopping: () => stopRequested || failure !== undefined,
    stop,
  });

  return {
    ...control,
    start() {
      const result = start();
      starting = result;
      return result;
    },
    stop,
    kill() {
      for (const pool of pools) pool.killAll();
      if (spec.instance) runtime.signalTagged?.(`BENTO_INSTANCE=${spec.instance}`, "SIGKILL");
    },
    done,
    sockets,
    announce: emit,
    get spec() {
      return spec;
    },
    reload: (files, request) =>
      applyReload(
        {
          pools: () => pools,
          addPool: newPool,
          dropPool(pool) {
            pools = pools.filter((p) => p !== pool);
            emit({ type: "pool-stopped", pool: pool.name });
            const view = pool.view();
            void hooks.parallel("afterPoolStop", { pool: pool.name, role: view.role, view, cause: "stop" }).then((o) =>
              o.errors.forEach((e) => logger.error(e.message))
            );
          },
          spec: () => spec,
          setSpec: (next) => hooks.setSpec(spec = next),
          // As at start: the plugins' launchSpec, then each module worker's runtime (and its reuseport reservations).
          shape: (next) =>
            hooks.waterfall("launchSpec", next)
              .then((shaped) => shaped.map((s) => resolveWorkerRuntimes(s, runtime.name))),
          bound: () => new Set(sockets.keys()),
          bind: bindOne,
          unbind(name) {
            const socket = sockets.get(name);
            sockets.delete(name);
            if (socket) runtime.close(socket);
          },
          stopping: cancelled,
          emit,
          logger,
          clock,
        },
        files,
        request,
      ),
    on: events.on,
    whenReady() {
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (cancelled()) resolve(false);
          else if (pools.length === spec.watchers.length && pools.every((p) => p.allReady())) resolve(true);
          else return;
          off();
        };
        const off = events.on(check);
        void done.then(() => (resolve(false), off()));
        check();
      });
    },
  };
}
