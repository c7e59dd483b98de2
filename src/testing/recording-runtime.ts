/**
 * A runtime that starts nothing: binds, spawns, signals and removed dirs are
 * recorded; a signal ends a worker at once (unless it ignores SIGTERM); a
 * worker says READY=1 when `readyAtOnce` allows it or the test calls its
 * `ready()`, and exits when the test calls its `exit()`.
 */
import { okAsync } from "neverthrow";
import type { RuntimePort, SpawnRequest } from "../core/ports.ts";
import type { SocketSpec } from "../core/types.ts";

export interface RecordedWorker {
  readonly pool: string;
  readonly id: number;
  readonly pid: number;
  readonly request: SpawnRequest;
  /** Simulate the process ending: an exit code, or the signal that killed it. */
  exit(code: number | null, signal: string | null): void;
  /** Simulate `READY=1` on the notify pipe. */
  ready(): void;
  /** Set to true and SIGTERM leaves the worker running (SIGKILL still ends it). */
  ignoreTerm: boolean;
}

export interface RecordingRuntimeOptions {
  /** Whether spawn number `nth` of worker `id` says READY=1 at once (default: always). */
  readonly readyAtOnce?: (pool: string, id: number, nth: number) => boolean;
  /** Each spawn takes this long (a slow fork). */
  readonly spawnDelayMs?: number;
}

export interface RecordingRuntime {
  readonly runtime: RuntimePort;
  /** Live workers by pid. */
  readonly live: Map<number, RecordedWorker>;
  /** Every spawn in order, live or not. */
  readonly spawned: RecordedWorker[];
  readonly binds: SocketSpec[];
  /** `bind NAME`, `spawn POOL:ID PID`, `SIGTERM PID`, `close NAME`, `rm DIR`, in order. */
  readonly log: string[];
  /** The live worker `id` of `pool`. */
  worker(pool: string, id: number): RecordedWorker | undefined;
}

export function createRecordingRuntime(options: RecordingRuntimeOptions = {}): RecordingRuntime {
  const readyAtOnce = options.readyAtOnce ?? (() => true);
  const live = new Map<number, RecordedWorker>();
  const spawned: RecordedWorker[] = [];
  const binds: SocketSpec[] = [];
  const log: string[] = [];
  const spawnCount = new Map<string, number>();
  let nextPid = 100;
  let nextFd = 10;
  const runtime: RuntimePort = {
    name: "node",
    bind(spec) {
      binds.push(spec);
      log.push(`bind ${spec.name}`);
      const address = spec.kind === "unix" ? { kind: "unix" as const, path: spec.path } : {
        kind: "tcp" as const,
        host: spec.host,
        port: spec.port === 0 ? 40_000 + binds.length : spec.port,
        family: 4 as const,
      };
      return okAsync({ spec, fd: nextFd++, address });
    },
    close: (s) => void log.push(`close ${s.spec.name}`),
    spawn: (request) =>
      okAsync(null).map(async () => {
        if (options.spawnDelayMs) await new Promise((r) => setTimeout(r, options.spawnDelayMs));
        const pid = nextPid++;
        const pool = request.env.BENTO_POOL ?? "?";
        const id = Number(request.env.BENTO_WORKER_ID);
        const nth = (spawnCount.get(`${pool}:${id}`) ?? 0) + 1;
        spawnCount.set(`${pool}:${id}`, nth);
        log.push(`spawn ${pool}:${id} ${pid}`);
        let onExit: RecordedWorker["exit"] = () => {};
        let notify: (line: string) => void = () => {};
        let ended = false;
        const worker: RecordedWorker = {
          pool,
          id,
          pid,
          request,
          ignoreTerm: false,
          exit(code, signal) {
            live.delete(pid);
            if (!ended) onExit(code, signal);
            ended = true;
          },
          ready: () => notify("READY=1"),
        };
        live.set(pid, worker);
        spawned.push(worker);
        return {
          pid,
          onExit: (listener: RecordedWorker["exit"]) => void (onExit = listener),
          onLine() {},
          onNotify(listener: (line: string) => void) {
            notify = listener;
            if (readyAtOnce(pool, id, nth)) queueMicrotask(() => listener("READY=1"));
          },
        };
      }),
    killGroup(pid, signal) {
      const worker = live.get(pid);
      if (!worker) return false;
      log.push(`${signal} ${pid}`);
      if (signal === "SIGTERM" && worker.ignoreTerm) return true;
      live.delete(pid);
      queueMicrotask(() => worker.exit(null, signal));
      return true;
    },
    groupAlive: (pid) => live.has(pid),
    moduleArgv: (module: string) => ["node", module],
    removeDir: (path) => void log.push(`rm ${path}`),
  };
  const worker = (pool: string, id: number) => [...live.values()].find((w) => w.pool === pool && w.id === id);
  return { runtime, live, spawned, binds, log, worker };
}
