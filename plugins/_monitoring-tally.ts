/**
 * The supervisor's own figures, kept from its events as plain counts: workers
 * per pool and state, exits and restarts by pool and reason, back-off and
 * give-up events. No prom-client here: `_monitoring-registry.ts` turns these
 * into metrics when /metrics is first scraped, so a service nobody scrapes
 * never loads it.
 */
import type { SupervisorEvent, WorkerExit } from "../src/core/public.ts";

export type WorkerState = "starting" | "ready" | "stopping" | "backoff";
export const WORKER_STATES: readonly WorkerState[] = ["starting", "ready", "stopping", "backoff"];

/** Counts by a label set, e.g. `{ pool, reason }`, keyed by its JSON. */
export type LabelledCounts = Map<string, { readonly labels: Record<string, string>; value: number }>;

export interface SupervisorTally {
  observe(event: SupervisorEvent): void;
  /** Workers per pool and state, every state of every pool seen (0 included). */
  workers(): LabelledCounts;
  readonly exits: LabelledCounts;
  readonly restarts: LabelledCounts;
  readonly backoffs: LabelledCounts;
  readonly backoffSeconds: LabelledCounts;
  readonly giveUps: LabelledCounts;
}

/** How an exit is labelled: `stopped` (asked to), `SIGKILL`, `exit 1`. */
export function exitReason(exit: WorkerExit): string {
  if (exit.expected) return "stopped";
  return exit.signal ?? `exit ${exit.code}`;
}

function add(counts: LabelledCounts, labels: Record<string, string>, by = 1): void {
  const key = JSON.stringify(labels);
  const entry = counts.get(key) ?? { labels, value: 0 };
  entry.value += by;
  counts.set(key, entry);
}

export function createSupervisorTally(): SupervisorTally {
  /** Live workers by pid, and slots waiting for a respawn by `pool\0id`. */
  const live = new Map<number, { pool: string; state: WorkerState }>();
  const waiting = new Map<string, string>();
  const pools = new Set<string>();
  /** Why the next spawn of a slot is a restart: its last unexpected exit, or a rolling restart. */
  const pendingRestart = new Map<string, string>();
  const rolling = new Set<string>();
  const tally = {
    exits: new Map(),
    restarts: new Map(),
    backoffs: new Map(),
    backoffSeconds: new Map(),
    giveUps: new Map(),
  } satisfies Record<string, LabelledCounts>;

  function workers(): LabelledCounts {
    const counts: LabelledCounts = new Map();
    for (const pool of pools) for (const state of WORKER_STATES) add(counts, { pool, state }, 0);
    for (const w of live.values()) add(counts, { pool: w.pool, state: w.state });
    for (const pool of waiting.values()) add(counts, { pool, state: "backoff" });
    return counts;
  }

  function observe(event: SupervisorEvent): void {
    switch (event.type) {
      case "spawn": {
        const slot = `${event.pool}\0${event.workerId}`;
        pools.add(event.pool);
        waiting.delete(slot);
        live.set(event.pid, { pool: event.pool, state: "starting" });
        const reason = pendingRestart.get(slot) ?? (rolling.has(event.pool) ? "rolling" : undefined);
        pendingRestart.delete(slot);
        if (reason !== undefined) add(tally.restarts, { pool: event.pool, reason });
        return;
      }
      case "ready":
        live.set(event.pid, { pool: event.pool, state: "ready" });
        return;
      case "exit": {
        const { exit } = event;
        live.delete(exit.pid);
        add(tally.exits, { pool: exit.pool, reason: exitReason(exit) });
        if (!exit.expected) pendingRestart.set(`${exit.pool}\0${exit.workerId}`, exitReason(exit));
        return;
      }
      case "respawn-scheduled":
        if (event.delayMs > 0) {
          waiting.set(`${event.pool}\0${event.workerId}`, event.pool);
          add(tally.backoffs, { pool: event.pool });
          add(tally.backoffSeconds, { pool: event.pool }, event.delayMs / 1000);
        }
        return;
      case "give-up":
        add(tally.giveUps, { pool: event.pool });
        return;
      case "restart":
        if (event.phase === "begin") rolling.add(event.pool);
        else rolling.delete(event.pool);
        return;
      case "stop":
        if (event.phase === "stopping") { for (const w of live.values()) w.state = "stopping"; }
        return;
      default:
        return;
    }
  }

  return { observe, workers, ...tally };
}
