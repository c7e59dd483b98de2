/**
 * The gRPC metrics server (`prom_server`, one process): Prometheus text on
 * the socket the supervisor holds for `--metrics-host:--metrics-port`
 * (`GET /` as BentoML's prom_server, and `GET /metrics`). Each scrape asks
 * every gRPC worker's private socket in `BENTO_GRPC_METRICS_DIR` for its
 * prom-client registry (JSON) and sums them, with this process's own metrics
 * (`bento_metrics_server_*`). A worker that does not answer within 2 s (it just
 * died) is left out of that scrape.
 */
import { readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { AggregatorRegistry, collectDefaultMetrics, Registry } from "prom-client";
import { serve } from "../worker/_serve.ts";

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const dir = process.env.BENTO_GRPC_METRICS_DIR ?? "";
const own = new Registry();
collectDefaultMetrics({ register: own, prefix: "bento_metrics_server_" });
// prom-client's nodejs_active_*_total are gauges, which promtool flags (a _total suffix is for counters).
for (const m of own.getMetricsAsArray()) {
  if (String(m.type) === "gauge" && m.name.endsWith("_total")) own.removeSingleMetric(m.name);
}

async function scrape(): Promise<string> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".sock"));
  } catch { /* no gRPC worker has started yet */ }
  const workers = await Promise.all(files.map((f) => ask(join(dir, f))));
  const parts = [await own.getMetricsAsJSON(), ...workers.filter((w): w is object[] => w !== undefined)];
  return AggregatorRegistry.aggregate(parts).metrics();
}

function ask(socketPath: string): Promise<object[] | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/", agent: false, signal: AbortSignal.timeout(2000) }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) as object[] : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

await serve(async (req) => {
  const path = new URL(req.url).pathname;
  if (req.method !== "GET" || (path !== "/" && path !== "/metrics")) {
    return new Response("Not found: GET / or /metrics\n", { status: 404 });
  }
  return new Response(await scrape(), { headers: { "content-type": CONTENT_TYPE } });
});
