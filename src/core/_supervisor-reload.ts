/**
 * Applying a reload plan (`serve --reload`) to the running pools, in the
 * plan's order: new pools start (their sockets bound first), changed pools
 * roll (each replacement ready before the worker it replaces stops), resized
 * pools scale, removed pools stop. The first step that fails ends the reload:
 * the workers still running keep serving, and the next reload starts over.
 * Each reload is a `reload` event: `begin` then `done`, or `failed`.
 */
import { err, ok, type Result } from "neverthrow";
import { reportedFiles, type SupervisorEvent } from "./events.ts";
import type { Logger } from "./logger.ts";
import type { Clock } from "./ports.ts";
import type { Pool } from "./pool.ts";
import type { PoolChange, ReloadPlan } from "./reload-plan.ts";
import type { LaunchSpec, SocketSpec, WatcherSpec } from "./types.ts";
import { waitFor } from "./_wait.ts";

export interface ReloadFailed {
  readonly kind: "ReloadFailed";
  readonly message: string;
  /** The service was stopping: nothing was tried. */
  readonly stopping?: true;
}

/** A plan, or why there is none (an invalid manifest: reported, nothing changes). */
export type ReloadRequest = Result<ReloadPlan, { readonly message: string }>;

export interface ReloadDeps {
  readonly pools: () => readonly Pool[];
  /** Create a pool for `watcher` and add it to the supervisor's pools (not started). */
  addPool(watcher: WatcherSpec): Pool;
  /** Forget a pool whose workers are gone. */
  dropPool(pool: Pool): void;
  readonly spec: () => LaunchSpec;
  setSpec(spec: LaunchSpec): void;
  /** The plugins' `launchSpec` waterfall. */
  shape(spec: LaunchSpec): Promise<Result<LaunchSpec, { readonly message: string }>>;
  readonly bound: () => ReadonlySet<string>;
  bind(socket: SocketSpec): Promise<Result<void, { readonly message: string }>>;
  unbind(name: string): void;
  readonly stopping: () => boolean;
  readonly emit: (event: SupervisorEvent) => void;
  readonly logger: Logger;
  readonly clock: Clock;
}

export async function applyReload(
  deps: ReloadDeps,
  files: readonly string[],
  request: ReloadRequest,
): Promise<Result<void, ReloadFailed>> {
  const listed = reportedFiles(files);
  const fail = (message: string): Result<void, ReloadFailed> => {
    deps.emit({ type: "reload", phase: "failed", ...listed, message });
    return err({ kind: "ReloadFailed", message });
  };
  if (deps.stopping()) {
    return err({ kind: "ReloadFailed", message: "The service is stopping: no reload", stopping: true });
  }
  if (request.isErr()) return fail(request.error.message);
  const plan = request.value;
  const about = plan.certificate ? { ...listed, certificate: plan.certificate } : listed;
  deps.emit({ type: "reload", phase: "begin", ...about });
  const before = deps.spec();
  let spec = before;
  if (plan.manifestChanged) {
    const shaped = await deps.shape(plan.spec);
    if (shaped.isErr()) return fail(shaped.error.message);
    // The public socket stays as bound (a changed one is in the plan's notes).
    spec = {
      ...shaped.value,
      sockets: mergeSockets(deps.spec().sockets, shaped.value.sockets),
      vars: { ...shaped.value.vars, ...pick(before.vars, "port") },
    };
    for (const socket of spec.sockets.filter((s) => !deps.bound().has(s.name))) {
      const bound = await deps.bind(socket);
      if (bound.isErr()) return fail(bound.error.message);
    }
    deps.setSpec(spec);
  }
  const rolls = plan.changes.filter((c) => c.kind === "roll");
  for (const change of plan.changes) {
    if (deps.stopping()) return err({ kind: "ReloadFailed", message: "The service is stopping: reload abandoned" });
    if (change.kind === "roll" && change !== rolls[0]) continue;
    const done = change.kind === "roll"
      ? await rollInStages(deps, rolls.map((c) => c.pool), spec, plan.manifestChanged)
      : await applyChange(deps, change, { before, spec });
    if (done.isErr()) return fail(done.error);
  }
  const unused = [...deps.bound()].filter((name) => !spec.sockets.some((s) => s.name === name));
  for (const name of unused) deps.unbind(name);
  deps.emit({ type: "reload", phase: "done", ...about });
  return ok(undefined);
}

/**
 * Roll pools stage by stage in start order (runners, then the API), the
 * pools of one stage at once. A stage that fails ends the reload before the
 * next one starts anything: an error in code every pool imports is shown by
 * one new worker, not one per pool.
 */
async function rollInStages(
  deps: ReloadDeps,
  names: readonly string[],
  spec: LaunchSpec,
  respec: boolean,
): Promise<Result<void, string>> {
  const pools = deps.pools().filter((p) => names.includes(p.name));
  for (const priority of [...new Set(pools.map((p) => p.priority))].sort((a, b) => a - b)) {
    const stage = pools.filter((p) => p.priority === priority).map((pool) => {
      const watcher = spec.watchers.find((w) => w.name === pool.name);
      if (respec && watcher) pool.respec(watcher);
      return pool.restart();
    });
    const failed = (await Promise.all(stage)).find((r) => r.isErr());
    if (failed?.isErr()) return err(failed.error.message);
  }
  return ok(undefined);
}

async function applyChange(
  deps: ReloadDeps,
  change: Exclude<PoolChange, { kind: "roll" }>,
  specs: { readonly before: LaunchSpec; readonly spec: LaunchSpec },
): Promise<Result<void, string>> {
  const { before, spec } = specs;
  const pool = deps.pools().find((p) => p.name === change.pool);
  const watcher = spec.watchers.find((w) => w.name === change.pool);
  switch (change.kind) {
    case "add": {
      if (!watcher) return ok(undefined);
      const added = pool ?? deps.addPool(watcher);
      const started = await added.start(deps.stopping);
      if (started.isErr()) return err(started.error.message);
      const timeout = watcher.ready?.timeoutMs ?? 60_000;
      return (await waitFor(deps.clock, () => added.allReady() || deps.stopping(), timeout))
        ? ok(undefined)
        : err(`Pool ${change.pool} was not ready within ${timeout / 1000} s`);
    }
    case "scale":
      return pool ? (await pool.scale(change.workers)).map(() => undefined).mapErr((e) => e.message) : ok(undefined);
    case "remove": {
      if (!pool) return ok(undefined);
      await pool.terminate();
      const graceful = (before.watchers.find((w) => w.name === pool.name)?.gracefulTimeout ?? 30) * 1000;
      if (!(await waitFor(deps.clock, () => pool.gone(), graceful))) {
        pool.killAll();
        await waitFor(deps.clock, () => pool.gone(), 2_000);
      }
      deps.dropPool(pool);
      deps.logger.info(`pool ${pool.name} removed`);
      return ok(undefined);
    }
  }
}

/** The sockets bound now keep their spec; new ones are added; the plan's others replace nothing. */
function mergeSockets(current: readonly SocketSpec[], next: readonly SocketSpec[]): SocketSpec[] {
  return next.map((s) => current.find((c) => c.name === s.name) ?? s);
}

function pick(vars: Readonly<Record<string, string>>, name: string): Record<string, string> {
  return vars[name] === undefined ? {} : { [name]: vars[name] };
}
