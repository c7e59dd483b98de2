/**
 * The supervisor's metrics as prom-client sees them: the tally's counts
 * (`_monitoring-tally.ts`), read at each scrape, and the supervisor process's
 * CPU, memory, fds and event loop (prom-client's default metrics). Loaded by
 * the first scrape of /metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { LabelledCounts, SupervisorTally } from "./_monitoring-tally.ts";

export function createSupervisorRegistry(tally: SupervisorTally): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total (sums of the per-type gauges kept): promtool flags a non-counter named so.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  const fill = (metric: Gauge | Counter, counts: LabelledCounts) => {
    metric.reset();
    for (const { labels, value } of counts.values()) {
      metric instanceof Gauge ? metric.set(labels, value) : metric.inc(labels, value);
    }
  };
  new Gauge({
    name: "bento_supervisor_workers",
    help: "Workers per pool and state (starting, ready, stopping, backoff)",
    labelNames: ["pool", "state"],
    registers: [registry],
    collect() {
      fill(this, tally.workers());
    },
  });
  const counters = [
    ["bento_supervisor_worker_exits_total", "Worker exits by pool and reason (stopped, a signal, exit N)", [
      "pool",
      "reason",
    ], tally.exits],
    [
      "bento_supervisor_worker_restarts_total",
      "Workers replaced, by pool and the reason of the exit replaced (or rolling)",
      ["pool", "reason"],
      tally.restarts,
    ],
    ["bento_supervisor_backoff_total", "Respawns delayed by crash-loop back-off, by pool", ["pool"], tally.backoffs],
    [
      "bento_supervisor_backoff_seconds_total",
      "Seconds of respawn delay scheduled by back-off, by pool",
      ["pool"],
      tally.backoffSeconds,
    ],
    ["bento_supervisor_give_up_total", "Pools that gave up after repeated crashes", ["pool"], tally.giveUps],
  ] as const;
  for (const [name, help, labelNames, counts] of counters) {
    new Counter({
      name,
      help,
      labelNames: [...labelNames],
      registers: [registry],
      collect() {
        fill(this, counts);
      },
    });
  }
  return registry;
}
