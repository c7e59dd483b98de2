/**
 * Start order between stages: a pool starts once the pools of every earlier
 * stage (lower priority: runners before the API) that say when they are ready
 * are ready, so an API worker's first request does not meet a runner that is
 * still loading (`RunnerUnavailable`, a 503). A pool says when it is ready if
 * its workers are modules (bento-kit/worker writes READY=1) or its `ready`
 * names a log line or a delay; a foreign command without either may never say
 * so, and is not waited for. A worker reported not ready within the pool's
 * `ready.timeout` ends the wait too (its warning says why).
 */
import type { SupervisorEvent } from "./events.ts";
import type { WatcherSpec } from "./types.ts";

/** Whether the supervisor learns when this pool's workers are ready. */
export function announcesReady(watcher: WatcherSpec): boolean {
  return watcher.command.kind === "module" || watcher.ready?.log !== undefined;
}

export interface StartGate {
  readonly name: string;
  allReady(): boolean;
}

/**
 * Resolves once every pool of `pools` is ready, a worker of one of them was
 * reported not ready in time, or a stop was asked for (`stopped()` at the
 * start, `onStop` after: a stop, a pool giving up included, waits for the
 * start to return, so this wait must not wait for the stop's events).
 */
export function whenStarted(
  pools: readonly StartGate[],
  deps: {
    readonly on: (listener: (event: SupervisorEvent) => void) => () => void;
    readonly stopped: () => boolean;
    readonly onStop: (listener: () => void) => () => void;
  },
): Promise<void> {
  const names = new Set(pools.map((p) => p.name));
  return new Promise<void>((resolve) => {
    const offs: (() => void)[] = [];
    const finish = () => (offs.forEach((off) => off()), resolve());
    const check = (event?: SupervisorEvent) => {
      const late = event?.type === "not-ready" && names.has(event.pool);
      if (late || deps.stopped() || pools.every((p) => p.allReady())) finish();
    };
    offs.push(deps.on(check), deps.onStop(finish));
    check();
  });
}
