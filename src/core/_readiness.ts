/**
 * When one worker counts as ready: `READY=1` on its notify pipe, an output
 * line matching the pool's `log` pattern, or `afterMs` after its spawn,
 * whichever comes first. A worker still starting after `timeoutMs` is
 * reported once (it may still become ready later).
 */
import type { ReadyCause } from "./events.ts";
import type { ChildProcessHandle, Clock } from "./ports.ts";
import type { ReadySpec } from "./types.ts";

/** A worker that never says it is ready is reported after a minute. */
export const DEFAULT_READY: ReadySpec = { timeoutMs: 60_000 };

export interface ReadinessWatch {
  /** Feed one output line (the pool reads the output for its own reasons too). */
  line(line: string): void;
  cancel(): void;
}

export function watchReadiness(
  child: ChildProcessHandle,
  spec: ReadySpec,
  clock: Clock,
  events: { ready(how: ReadyCause): void; late(): void },
): ReadinessWatch {
  let done = false;
  const timers: { cancel(): void }[] = [];
  const pattern = spec.log === undefined ? undefined : new RegExp(spec.log);
  const ready = (how: ReadyCause) => {
    if (done) return;
    done = true;
    cancel();
    events.ready(how);
  };
  const cancel = () => timers.splice(0).forEach((t) => t.cancel());
  child.onNotify?.((line) => {
    if (/^READY=1\s*$/.test(line)) ready("notify");
  });
  if (spec.afterMs !== undefined) timers.push(clock.setTimeout(() => ready("delay"), spec.afterMs));
  timers.push(clock.setTimeout(() => !done && events.late(), spec.timeoutMs));
  return {
    line(line) {
      if (!done && pattern?.test(line)) ready("log");
    },
    cancel() {
      done = true;
      cancel();
    },
  };
}
