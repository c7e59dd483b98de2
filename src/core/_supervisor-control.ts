/**
 * The supervisor's control surface (`ServiceControl`): find the pool, let the
 * `beforeControl` hooks veto or reshape the request, then run it.
 */
import { err, ok, type Result } from "neverthrow";
import { type ControlError, type ControlRequest, poolNotFound, type PoolView, serviceStopping } from "./control.ts";
import type { HookError } from "./errors.ts";
import type { HookRunner } from "./hooks.ts";
import type { Pool } from "./pool.ts";

interface ControlDeps {
  readonly pools: () => readonly Pool[];
  readonly hooks: HookRunner;
  /** True once a stop began: no more changes. */
  readonly stopping: () => boolean;
  readonly stop: () => Promise<void>;
}

export function createControl(deps: ControlDeps) {
  async function admit(request: ControlRequest): Promise<Result<ControlRequest, ControlError>> {
    if (deps.stopping()) return err(serviceStopping());
    const shaped = await deps.hooks.waterfall("beforeControl", request);
    // A beforeControl handler's Err is a veto (a spec error makes no sense here).
    return shaped.mapErr((
      e,
    ) => ("plugin" in e
      ? e
      : ({ kind: "HookVetoed", plugin: "?", hook: "beforeControl", message: e.message }) as HookError)
    );
  }

  type PoolRequest = Extract<ControlRequest, { pool: string }>;
  async function onPool(
    request: PoolRequest,
    run: (pool: Pool, request: PoolRequest) => Promise<Result<PoolView, ControlError>>,
  ): Promise<Result<PoolView, ControlError>> {
    const find = (name: string) => deps.pools().find((p) => p.name === name);
    if (!find(request.pool)) return err(poolNotFound(request.pool, deps.pools().map((p) => p.name)));
    const admitted = await admit(request);
    if (admitted.isErr()) return err(admitted.error);
    const shaped = admitted.value;
    if (!("pool" in shaped)) return err(serviceStopping());
    const pool = find(shaped.pool);
    return pool ? run(pool, shaped) : err(poolNotFound(shaped.pool, deps.pools().map((p) => p.name)));
  }

  return {
    pools: (): readonly PoolView[] => deps.pools().map((p) => p.view()),
    scale: (pool: string, workers: number) =>
      onPool({ action: "scale", pool, workers }, (p, r) => p.scale(r.action === "scale" ? r.workers : workers)),
    restart: (pool: string) => onPool({ action: "restart", pool }, (p) => p.restart()),
    restartWorker: (pool: string, workerId: number) =>
      onPool(
        { action: "restart-worker", pool, workerId },
        (p, r) => p.restartWorker(r.action === "restart-worker" ? r.workerId : workerId),
      ),
    /** A reload (`bento-kit reload`, SIGHUP) may go ahead: not stopping, no plugin vetoed it. */
    async admitReload(): Promise<Result<void, ControlError>> {
      const admitted = await admit({ action: "reload" });
      return admitted.map(() => undefined);
    },
    async requestStop(): Promise<Result<void, ControlError>> {
      const admitted = await admit({ action: "stop" });
      if (admitted.isErr()) return err(admitted.error);
      void deps.stop();
      return ok(undefined);
    },
  };
}
