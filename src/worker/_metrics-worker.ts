/**
 * A bento-kit/worker worker's metrics (loaded only when the monitoring plugin
 * is on): BentoML's HTTP metrics for every request `serve()` answers, kept in
 * prom-client's default registry (user code registers its own there too),
 * served on the worker's private socket `$PROMETHEUS_MULTIPROC_DIR/metrics.sock`
 * for the scrape. API and runner workers also answer `GET /metrics` on their
 * port with the whole instance's metrics (a runner's port is private under
 * `serve`, public under `start-runner-server`, as BentoML's runner server).
 */
import { join } from "node:path";
import type { Registry } from "prom-client";
import type { FetchHandler } from "./_serve-types.ts";
import { scrapeInstance, scrapeTimeoutMs } from "./_metrics-scrape.ts";
import { metricsSlotName } from "../core/metrics-slot.ts";
import { CONTENT_TYPE, serveSlotMetrics } from "./_metrics-socket.ts";
import { requestPath } from "./_path.ts";
import { createRequestMetrics } from "./_request-metrics.ts";
import { formatTotals } from "../core/request-figures.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** BentoML's default request duration buckets (seconds). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Distinct paths labelled as themselves; later ones are counted as endpoint "other". */
const MAX_ENDPOINTS = 64;

export interface WorkerMetrics {
  wrap(handler: FetchHandler): FetchHandler;
}

export async function createWorkerMetrics(env: Env, metricsDir: string): Promise<WorkerMetrics> {
  const pool = env.BENTO_POOL ?? "api_server";
  const runner = pool.startsWith("runner:") ? pool.slice("runner:".length) : undefined;
  const ns = runner === undefined ? "bentoml_api_server" : "bentoml_runner";
  const base: Record<string, string> = { service_name: env.BENTO_SERVICE ?? "" };
  if (runner !== undefined) base.runner_name = runner;
  const requests = createRequestMetrics(ns, base, DURATION_BUCKETS);
  // prom-client is loaded at the first scrape, not at start: 60-80 ms of CPU and some MiB per worker that a worker
  // never scraped (the dashboard's sampler reads /request-totals) does without. User code that loads it
  // (loadMetrics) registers in the same default registry.
  let registry: Promise<Registry> | undefined;
  const metricsText = async (): Promise<string> => {
    registry ??= import("prom-client").then(({ register }) => (requests.registerIn(register), register));
    return (await registry).metrics();
  };

  const slotDir = env.PROMETHEUS_MULTIPROC_DIR ?? join(metricsDir, metricsSlotName(pool, env.BENTO_WORKER_ID ?? "1"));
  const self = await serveSlotMetrics(slotDir, metricsText, () => formatTotals(requests.totals()));

  const endpoints = new Set<string>();
  const endpointOf = (path: string): string => {
    if (endpoints.has(path)) return path;
    if (endpoints.size >= MAX_ENDPOINTS) return "other";
    endpoints.add(path);
    return path;
  };

  return {
    wrap(handler) {
      return async (request) => {
        const path = requestPath(request);
        if (path === "/metrics" && request.method === "GET") {
          const body = await scrapeInstance(metricsDir, self, scrapeTimeoutMs(request.headers));
          return new Response(body, { headers: { "content-type": CONTENT_TYPE } });
        }
        const endpoint = endpointOf(path);
        requests.started(endpoint);
        const start = performance.now();
        let status = 500;
        try {
          const response = await handler(request);
          status = response.status;
          return response;
        } finally {
          requests.ended(endpoint, status, (performance.now() - start) / 1000);
        }
      };
    },
  };
}
