/**
 * Per-worker escaped-process sweep. Every worker gets its own tag,
 * `BENTO_WORKER_TAG=<instance>:<pool>:<id>:<spawn>`, which whatever it starts
 * inherits (a `setsid` child, a GPU helper); when the worker exits (crash,
 * restart, scale-down) its tagged processes get SIGTERM, and SIGKILL once the
 * pool's graceful timeout has passed. Sweeps are batched (one /proc pass for
 * every worker that exited in the same short window, so 1024 exits do not cost
 * 1024 passes) and run on timers: a respawn never waits for one.
 */
import type { Logger } from "./logger.ts";
import type { Clock, RuntimePort } from "./ports.ts";

export const WORKER_TAG_VAR = "BENTO_WORKER_TAG";

/** How long exits are gathered before one /proc pass signals them all. */
const BATCH_MS = 50;

export interface EscapeSweep {
  /** A new tag for a worker about to start (undefined: this instance has no tag, nothing is swept). */
  tag(pool: string, workerId: number): string | undefined;
  /** The worker tagged `tag` is gone: SIGTERM its escaped processes, SIGKILL after `graceMs`. */
  sweep(tag: string, graceMs: number): void;
  /** Drop every pending sweep (the service stop sweeps the whole instance itself). */
  cancel(): void;
}

export function createEscapeSweep(
  runtime: RuntimePort,
  clock: Clock,
  options: { readonly instance: () => string | undefined; readonly logger: Logger },
): EscapeSweep {
  let spawns = 0;
  let pending: { tag: string; graceMs: number }[] = [];
  let batch: { cancel(): void } | undefined;
  const timers = new Set<{ cancel(): void }>();
  const needle = (tag: string) => `${WORKER_TAG_VAR}=${tag}`;

  function flush(): void {
    batch = undefined;
    const due = pending;
    pending = [];
    const signalled = runtime.signalTagged!(due.map((d) => needle(d.tag)), "SIGTERM");
    if (signalled === 0) return;
    const what = signalled === 1 ? "1 process" : `${signalled} processes`;
    options.logger.warn(
      `${what} started outside its process group by a worker that exited still running: sending SIGTERM`,
    );
    const graceMs = Math.max(...due.map((d) => d.graceMs));
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      runtime.signalTagged!(due.map((d) => needle(d.tag)), "SIGKILL");
    }, graceMs);
    timers.add(timer);
  }

  return {
    tag(pool, workerId) {
      const instance = options.instance();
      if (!instance || !runtime.signalTagged) return undefined;
      return `${instance}:${pool}:${workerId}:${++spawns}`;
    },
    sweep(tag, graceMs) {
      if (!runtime.signalTagged) return;
      pending.push({ tag, graceMs });
      batch ??= clock.setTimeout(flush, BATCH_MS);
    },
    cancel() {
      batch?.cancel();
      batch = undefined;
      pending = [];
      for (const timer of timers) timer.cancel();
      timers.clear();
    },
  };
}
