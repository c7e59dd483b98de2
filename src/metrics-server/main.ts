/**
 * The gRPC metrics server (`prom_server`, one process, a singleton pool):
 * Prometheus text on the socket the supervisor holds for
 * `--metrics-host:--metrics-port` (`GET /` as BentoML's prom_server, and
 * `GET /metrics`). It runs only with the monitoring plugin on, and each
 * scrape is the plugin's instance scrape (`BENTO_METRICS_DIR`): the
 * supervisor's registry, every worker slot's `metrics.sock` (gRPC workers,
 * runners) and prometheus_client `.db` files (Python workers), each labelled
 * with `pool` and `worker_id`, plus this process's own metrics
 * (`bento_metrics_server_*`). A socket that does not answer in time (its
 * worker just died) is left out of that scrape.
 */
import { join } from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import { scrapeInstance, scrapeTimeoutMs } from "../worker/_metrics-scrape.ts";
import { metricsSlotName } from "../core/metrics-slot.ts";
import { CONTENT_TYPE, serveSlotMetrics } from "../worker/_metrics-socket.ts";
import { serve } from "../worker/_serve.ts";

const dir = process.env.BENTO_METRICS_DIR ?? "";
if (dir === "") {
  console.error("prom_server: BENTO_METRICS_DIR is not set: run it with the monitoring plugin on (not --no-metrics)");
  process.exit(2);
}
// serve() would measure this process's requests as an API worker's and answer /metrics itself:
// here the scrape is the whole job, answered below on both paths.
delete process.env.BENTO_METRICS_DIR;

const own = new Registry();
collectDefaultMetrics({ register: own, prefix: "bento_metrics_server_" });
// prom-client's nodejs_active_*_total are gauges, which promtool flags (a _total suffix is for counters).
for (const m of own.getMetricsAsArray()) {
  if (String(m.type) === "gauge" && m.name.endsWith("_total")) own.removeSingleMetric(m.name);
}
const slot = process.env.PROMETHEUS_MULTIPROC_DIR ||
  join(dir, metricsSlotName(process.env.BENTO_POOL ?? "prom_server", process.env.BENTO_WORKER_ID ?? "1"));
const self = await serveSlotMetrics(slot, () => own.metrics());

await serve(async (req) => {
  const path = new URL(req.url).pathname;
  if (req.method !== "GET" || (path !== "/" && path !== "/metrics")) {
    return new Response("Not found: GET / or /metrics\n", { status: 404 });
  }
  const text = await scrapeInstance(dir, self, scrapeTimeoutMs(req.headers));
  return new Response(text, { headers: { "content-type": CONTENT_TYPE } });
});
