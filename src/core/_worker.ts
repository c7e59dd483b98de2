/**
 * One worker process as the pool sees it: its state (`starting` until ready),
 * its output (prefixed `[pool:id]`, the last stderr lines kept for a crash
 * report), readiness, and promises for "ready" and "exited".
 */
import type { ReadyCause, SupervisorEvent, WorkerState } from "./events.ts";
import type { Logger } from "./logger.ts";
import type { ChildProcessHandle, Clock } from "./ports.ts";
import type { ReadySpec, WorkerLine } from "./types.ts";
import { watchReadiness } from "./_readiness.ts";

export type WorkerRole = "current" | "candidate" | "retiring";

export interface Worker {
  readonly id: number;
  readonly pid: number;
  readonly startedAt: number;
  state: WorkerState;
  readyAt: number | null;
  role: WorkerRole;
  /** Settles true once the worker is ready, false if it exits first. */
  readonly settled: Promise<boolean>;
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  /** Its last stderr lines, prefixed. */
  readonly stderrTail: readonly string[];
}

export interface WorkerDeps {
  readonly pool: string;
  readonly ready: ReadySpec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly output: (stream: "stdout" | "stderr", line: string, from?: WorkerLine) => void;
  readonly emit: (event: SupervisorEvent) => void;
  readonly onExit: (worker: Worker, code: number | null, signal: string | null) => void;
}

const TAIL_LINES = 20;

export function createWorker(child: ChildProcessHandle, id: number, role: WorkerRole, deps: WorkerDeps): Worker {
  const { pool, clock, logger, ready } = deps;
  let settle!: (ready: boolean) => void;
  let markExited!: () => void;
  const tail: string[] = [];
  const worker: Worker = {
    id,
    pid: child.pid,
    startedAt: clock.now(),
    state: "starting",
    readyAt: null,
    role,
    stderrTail: tail,
    settled: new Promise((resolve) => (settle = resolve)),
    exited: new Promise((resolve) => (markExited = resolve)),
  };
  const watch = watchReadiness(child, ready, clock, {
    ready(how: ReadyCause) {
      if (worker.state !== "starting") return;
      worker.state = "ready";
      worker.readyAt = clock.now();
      settle(true);
      deps.emit({
        type: "ready",
        pool,
        workerId: id,
        pid: worker.pid,
        afterMs: worker.readyAt - worker.startedAt,
        how,
      });
      logger.debug(`worker ${id} (pid ${worker.pid}) ready (${how})`);
    },
    late() {
      logger.warn(
        `worker ${id} (pid ${worker.pid}) is not ready ${ready.timeoutMs / 1000} s after it started: ` +
          "it should write READY=1 to the fd in BENTO_READY_FD, or give the pool a ready.log pattern (see docs/worker-contract.md)",
      );
      deps.emit({ type: "not-ready", pool, workerId: id, pid: worker.pid, afterMs: clock.now() - worker.startedAt });
    },
  });
  const tag = `[${pool}:${id}]`;
  child.onLine((stream, line) => {
    if (stream === "stderr" && tail.push(`${tag} ${line}`) > TAIL_LINES) tail.shift();
    watch.line(line);
    deps.output(stream, `${tag} ${line}`, { pool, workerId: id, pid: worker.pid, text: line });
  });
  child.onExit((code, signal) => {
    watch.cancel();
    settle(false);
    markExited();
    deps.onExit(worker, code, signal);
  });
  return worker;
}
