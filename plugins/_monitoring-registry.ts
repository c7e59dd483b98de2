/**
 * The supervisor's own metrics, kept from its events: workers per pool and
 * state, exits and restarts by pool and reason, back-off and give-up events,
 * and the supervisor process's CPU, memory, fds and event loop (prom-client's
 * default metrics).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { SupervisorEvent, WorkerExit } from "../mod.ts";

type State = "starting" | "ready" | "stopping" | "backoff";

export interface SupervisorMetrics {
  readonly registry: Registry;
  observe(event: SupervisorEvent): void;
}

/** How an exit is labelled: `stopped` (asked to), `SIGKILL`, `exit 1`. */
export function exitReason(exit: WorkerExit): string {
  if (exit.expected) return "stopped";
  return exit.signal ?? `exit ${exit.code}`;
}

export function createSupervisorMetrics(): SupervisorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total (sums of the per-type gauges kept): promtool flags a non-counter named so.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);
  /** Live workers by pid, and slots waiting for a respawn by `pool\0id`. */
  const workers = new Map<number, { pool: string; state: State }>();
  const waiting = new Map<string, string>();
  const pools = new Set<string>();
  /** Why the next spawn of a slot is a restart: its last unexpected exit, or a rolling restart. */
  const pendingRestart = new Map<string, string>();
  const rolling = new Set<string>();

  new Gauge({
    name: "bento_supervisor_workers", help: "Workers per pool and state (starting, ready, stopping, backoff)",
    labelNames: ["pool", "state"], registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const pool of pools) for (const s of ["starting", "ready", "stopping", "backoff"]) counts.set(`${pool}\0${s}`, 0);
      for (const w of workers.values()) counts.set(`${w.pool}\0${w.state}`, (counts.get(`${w.pool}\0${w.state}`) ?? 0) + 1);
      for (const pool of waiting.values()) counts.set(`${pool}\0backoff`, (counts.get(`${pool}\0backoff`) ?? 0) + 1);
      for (const [key, n] of counts) {
        const [pool, state] = key.split("\0");
        this.set({ pool: pool!, state: state! }, n);
      }
    },
  });
  const exits = new Counter({ name: "bento_supervisor_worker_exits_total", help: "Worker exits by pool and reason (stopped, a signal, exit N)", labelNames: ["pool", "reason"], registers: [registry] });
  const restarts = new Counter({ name: "bento_supervisor_worker_restarts_total", help: "Workers replaced, by pool and the reason of the exit replaced (or rolling)", labelNames: ["pool", "reason"], registers: [registry] });
  const backoffs = new Counter({ name: "bento_supervisor_backoff_total", help: "Respawns delayed by crash-loop back-off, by pool", labelNames: ["pool"], registers: [registry] });
  const backoffSeconds = new Counter({ name: "bento_supervisor_backoff_seconds_total", help: "Seconds of respawn delay scheduled by back-off, by pool", labelNames: ["pool"], registers: [registry] });
  const giveUps = new Counter({ name: "bento_supervisor_give_up_total", help: "Pools that gave up after repeated crashes", labelNames: ["pool"], registers: [registry] });

  function observe(event: SupervisorEvent): void {
    switch (event.type) {
      case "spawn": {
        const slot = `${event.pool}\0${event.workerId}`;
        pools.add(event.pool);
        waiting.delete(slot);
        workers.set(event.pid, { pool: event.pool, state: "starting" });
        const reason = pendingRestart.get(slot) ?? (rolling.has(event.pool) ? "rolling" : undefined);
        pendingRestart.delete(slot);
        if (reason !== undefined) restarts.inc({ pool: event.pool, reason });
        return;
      }
      case "ready":
        workers.set(event.pid, { pool: event.pool, state: "ready" });
        return;
      case "exit": {
        const { exit } = event;
        workers.delete(exit.pid);
        exits.inc({ pool: exit.pool, reason: exitReason(exit) });
        if (!exit.expected) pendingRestart.set(`${exit.pool}\0${exit.workerId}`, exitReason(exit));
        return;
      }
      case "respawn-scheduled":
        if (event.delayMs > 0) {
          waiting.set(`${event.pool}\0${event.workerId}`, event.pool);
          backoffs.inc({ pool: event.pool });
          backoffSeconds.inc({ pool: event.pool }, event.delayMs / 1000);
        }
        return;
      case "give-up":
        giveUps.inc({ pool: event.pool });
        return;
      case "restart":
        if (event.phase === "begin") rolling.add(event.pool);
        else rolling.delete(event.pool);
        return;
      case "stop":
        if (event.phase === "stopping") for (const w of workers.values()) w.state = "stopping";
        return;
      default:
        return;
    }
  }

  return { registry, observe };
}
