/**
 * An in-memory ServiceControl for route tests: pools of fake workers whose
 * pids change on restart, events emitted as the real supervisor would, and a
 * log of the calls that reached it (a bad request must reach none).
 */
import { err, ok, type Result } from "neverthrow";
import {
  type ControlError,
  poolNotFound,
  type PoolView,
  type ServiceControl,
  serviceStopping,
  workerCountInvalid,
  workerNotFound,
  type WorkerView,
} from "../../src/core/control.ts";
import type { SupervisorEvent } from "../../src/core/events.ts";
import type { ServiceInfo } from "../../src/admin/service-info.ts";

export const MAX_WORKERS = 64;

export interface FakeControl extends ServiceControl {
  readonly calls: string[];
  emit(event: SupervisorEvent): void;
  /** The next control call answers with this error instead. */
  failNext(error: ControlError): void;
  readonly stopped: boolean;
}

export function createFakeControl(pools: Record<string, number> = { "runner:iris": 2, api_server: 2 }): FakeControl {
  let nextPid = 1000;
  let pending: ControlError | undefined;
  let stopped = false;
  const listeners = new Set<(e: SupervisorEvent) => void>();
  const state = new Map<string, { role: string; workers: WorkerView[] }>();
  const emit = (e: SupervisorEvent) => listeners.forEach((l) => l(e));
  const worker = (pool: string, id: number, restarts = 0): WorkerView => {
    const pid = nextPid++;
    emit({ type: "spawn", pool, workerId: id, pid });
    emit({ type: "ready", pool, workerId: id, pid, afterMs: 5, how: "notify" });
    return {
      id,
      pid,
      state: "ready",
      startedAt: Date.now(),
      readyAt: Date.now(),
      restarts,
      lastExit: null,
      vetoed: null,
    };
  };
  for (const [name, n] of Object.entries(pools)) {
    state.set(name, {
      role: name.startsWith("runner:") ? "runner" : "api",
      workers: Array.from({ length: n }, (_, i) => worker(name, i + 1)),
    });
  }
  const view = (name: string): PoolView => {
    const p = state.get(name)!;
    return {
      name,
      role: p.role,
      target: p.workers.length,
      ready: p.workers.length,
      busy: null,
      workers: [...p.workers],
    };
  };
  const guard = (call: string, pool?: string): ControlError | undefined => {
    fake.calls.push(call);
    const e = pending;
    pending = undefined;
    if (e) return e;
    if (stopped) return serviceStopping();
    if (pool !== undefined && !state.has(pool)) return poolNotFound(pool, [...state.keys()]);
    return undefined;
  };
  const replace = (pool: string, w: WorkerView): WorkerView => {
    emit({
      type: "exit",
      exit: { pool, workerId: w.id, pid: w.pid!, code: 0, signal: "SIGTERM", uptimeMs: 10 } as never,
      reason: "restart",
    });
    return worker(pool, w.id, w.restarts);
  };
  const fake: FakeControl = {
    calls: [],
    get stopped() {
      return stopped;
    },
    emit,
    failNext: (e) => void (pending = e),
    pools: () => [...state.keys()].map(view),
    scale(pool, workers): Promise<Result<PoolView, ControlError>> {
      const e = guard(`scale ${pool} ${workers}`, pool);
      if (e) return Promise.resolve(err(e));
      if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
        return Promise.resolve(err(workerCountInvalid(workers, MAX_WORKERS)));
      }
      const p = state.get(pool)!;
      emit({ type: "scale", pool, from: p.workers.length, to: workers });
      while (p.workers.length > workers) p.workers.pop();
      while (p.workers.length < workers) p.workers.push(worker(pool, p.workers.length + 1));
      return Promise.resolve(ok(view(pool)));
    },
    restart(pool) {
      const e = guard(`restart ${pool}`, pool);
      if (e) return Promise.resolve(err(e));
      emit({ type: "restart", pool, phase: "begin" });
      const p = state.get(pool)!;
      p.workers = p.workers.map((w) => replace(pool, w));
      emit({ type: "restart", pool, phase: "done" });
      return Promise.resolve(ok(view(pool)));
    },
    restartWorker(pool, workerId) {
      const e = guard(`restart-worker ${pool} ${workerId}`, pool);
      if (e) return Promise.resolve(err(e));
      const p = state.get(pool)!;
      const i = p.workers.findIndex((w) => w.id === workerId);
      if (i < 0) return Promise.resolve(err(workerNotFound(pool, workerId, p.workers.length)));
      p.workers[i] = replace(pool, p.workers[i]!);
      return Promise.resolve(ok(view(pool)));
    },
    reloadService() {
      const e = guard("reload");
      if (e) return Promise.resolve(err(e));
      emit({ type: "reload", phase: "begin", files: [] });
      for (const [pool, p] of state) p.workers = p.workers.map((w) => replace(pool, w));
      emit({ type: "reload", phase: "done", files: [] });
      return Promise.resolve(ok({ pools: [...state.keys()].map(view), certificate: null }));
    },
    stop() {
      const e = guard("stop");
      if (e) return Promise.resolve(err(e));
      stopped = true;
      emit({ type: "stop", phase: "stopping" });
      return Promise.resolve(ok(undefined));
    },
    on(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  return fake;
}

export function fakeServiceInfo(control: ServiceControl): ServiceInfo {
  return {
    name: "iris_classifier",
    command: "serve",
    version: "0.1.0",
    pid: 4242,
    startedAt: Date.now() - 5000,
    runtime: "bun",
    options: { host: "127.0.0.1", port: 3000, sslKeyfilePassword: "hunter2" },
    sockets: [{ name: "api", kind: "tcp", address: "tcp://127.0.0.1:3000" }],
    pools: control.pools().map((p) => ({
      name: p.name,
      role: p.role,
      command: {
        kind: "argv" as const,
        argv: ["python3", "-m", "uvicorn", "--db-password=hunter2", "--db-password", "hunter3"],
      },
      env: ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "HF_TOKEN", "MODEL_DIR"],
      workerEnv: [["API_KEY", "CUDA_VISIBLE_DEVICES"]],
      cwd: "/srv",
      sockets: ["api"],
    })),
  };
}
