/**
 * A bento-kit/worker worker's metrics (loaded only when the monitoring plugin
 * is on): BentoML's HTTP metrics for every request `serve()` answers, kept in
 * prom-client's default registry (user code registers its own there too),
 * served on the worker's private socket `$PROMETHEUS_MULTIPROC_DIR/metrics.sock`
 * for the scrape. API workers also answer `GET /metrics` on the API port
 * with the whole instance's metrics.
 */
import { createServer } from "node:http";
import { renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { Counter, Gauge, Histogram, register } from "prom-client";
import type { FetchHandler } from "./_serve-types.ts";
import { scrapeInstance, slotName, WORKER_SOCKET } from "./_metrics-scrape.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** BentoML's default request duration buckets (seconds). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Distinct paths labelled as themselves; later ones are counted as endpoint "other". */
const MAX_ENDPOINTS = 64;
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface WorkerMetrics {
  wrap(handler: FetchHandler): FetchHandler;
}

export async function createWorkerMetrics(env: Env, metricsDir: string): Promise<WorkerMetrics> {
  const pool = env.BENTO_POOL ?? "api_server";
  const runner = pool.startsWith("runner:") ? pool.slice("runner:".length) : undefined;
  const ns = runner === undefined ? "bentoml_api_server" : "bentoml_runner";
  const base: Record<string, string> = { service_name: env.BENTO_SERVICE ?? "" };
  if (runner !== undefined) base.runner_name = runner;
  const names = [...Object.keys(base), "endpoint"];
  const total = new Counter({
    name: `${ns}_request_total`,
    help: "Total number of HTTP requests",
    labelNames: [...names, "http_response_code"],
  });
  const duration = new Histogram({
    name: `${ns}_request_duration_seconds`,
    help: "HTTP request duration in seconds",
    labelNames: [...names, "http_response_code"],
    buckets: DURATION_BUCKETS,
  });
  const inProgress = new Gauge({
    name: `${ns}_request_in_progress`,
    help: "Number of HTTP requests in progress",
    labelNames: names,
  });

  const slotDir = env.PROMETHEUS_MULTIPROC_DIR ?? join(metricsDir, slotName(pool, env.BENTO_WORKER_ID ?? "1"));
  const socket = await listenPrivate(join(slotDir, WORKER_SOCKET));
  const self = {
    slot: slotDir.slice(slotDir.lastIndexOf("/") + 1),
    owns: () => socket !== undefined && inode(socket.path) === socket.ino,
    text: () => register.metrics(),
  };

  const endpoints = new Set<string>();
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const gauges = new Map<string, { inc(): void; dec(): void }>();
  const endpointOf = (path: string): string => {
    if (endpoints.has(path)) return path;
    if (endpoints.size >= MAX_ENDPOINTS) return "other";
    endpoints.add(path);
    return path;
  };
  const record = (endpoint: string, status: number, seconds: number): void => {
    const key = `${endpoint} ${status}`;
    let child = children.get(key);
    if (!child) {
      const labels = { ...base, endpoint, http_response_code: String(status) };
      children.set(key, child = { count: total.labels(labels), time: duration.labels(labels) });
    }
    child.count.inc();
    child.time.observe(seconds);
  };
  const progressOf = (endpoint: string) => {
    let g = gauges.get(endpoint);
    if (!g) gauges.set(endpoint, g = inProgress.labels({ ...base, endpoint }));
    return g;
  };

  return {
    wrap(handler) {
      return async (request) => {
        const path = pathOf(request.url);
        if (runner === undefined && path === "/metrics" && request.method === "GET") {
          const budget = Number(request.headers.get("x-prometheus-scrape-timeout-seconds"));
          const timeoutMs = budget > 0 ? budget * 800 : 2000;
          const body = await scrapeInstance(metricsDir, self, timeoutMs);
          return new Response(body, { headers: { "content-type": CONTENT_TYPE } });
        }
        const endpoint = endpointOf(path);
        const progress = progressOf(endpoint);
        progress.inc();
        const start = performance.now();
        let status = 500;
        try {
          const response = await handler(request);
          status = response.status;
          return response;
        } finally {
          progress.dec();
          record(endpoint, status, (performance.now() - start) / 1000);
        }
      };
    },
  };
}

/** The path of a request URL, without query or fragment. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Serve the registry on `path`: bound under a name of this pid's own, then
 * renamed into place, so a replacement with the same worker id takes the
 * name atomically and the old worker closing never unlinks the new socket.
 * Deno grants a Unix socket by its exact path only (`--allow-net=unix:PATH`),
 * so a Deno worker binds the name itself, replacing its predecessor's.
 */
function listenPrivate(path: string): Promise<{ path: string; ino: number | undefined } | undefined> {
  const temp = "Deno" in globalThis ? path : `${path}.${process.pid}`;
  const server = createServer((req, res) => {
    void register.metrics().then((text) => {
      res.writeHead(200, { "content-type": CONTENT_TYPE });
      res.end(text);
    }, () => res.writeHead(500).end());
  });
  server.unref();
  return new Promise((resolve) => {
    server.once("error", (error) => {
      console.error(
        `worker ${process.pid}: metrics socket ${path} unavailable (${error.message}); its metrics are left out of /metrics`,
      );
      resolve(undefined);
    });
    try {
      unlinkSync(temp);
    } catch { /* not there */ }
    server.listen(temp, () => {
      try {
        if (temp !== path) renameSync(temp, path);
        resolve({ path, ino: inode(path) });
      } catch (error) {
        console.error(`worker ${process.pid}: cannot place metrics socket ${path} (${(error as Error).message})`);
        resolve(undefined);
      }
    });
  });
}
