/**
 * A gRPC worker's metrics (when the supervisor runs a metrics server, that
 * is when `BENTO_GRPC_METRICS_DIR` is set): BentoML's request metrics for
 * every call, counted by a server interceptor into prom-client's default
 * registry, served as prom-client JSON on the worker's private socket
 * `$BENTO_GRPC_METRICS_DIR/<pool>.<worker id>.sock`. The metrics server
 * (`prom_server`) asks every socket and sums the workers, as prometheus_client's
 * multiprocess collector does for BentoML.
 */
import { mkdirSync, unlinkSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import type { ServerInterceptor } from "@grpc/grpc-js";

type Env = Readonly<Record<string, string | undefined>>;

/** BentoML's default request duration buckets (seconds). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export function grpcMetricsSocket(dir: string, pool: string, workerId: string): string {
  return join(dir, `${pool.replace(/[^\w.-]/g, "_")}.${workerId}.sock`);
}

export async function startGrpcMetrics(env: Env): Promise<ServerInterceptor> {
  const grpc = await import("@grpc/grpc-js");
  const { Counter, Gauge, Histogram, register } = await import("prom-client");
  const labelNames = ["service_name", "api_name", "grpc_code"] as const;
  const total = new Counter({
    name: "bentoml_api_server_request_total",
    help: "Total number of gRPC calls",
    labelNames,
  });
  const duration = new Histogram({
    name: "bentoml_api_server_request_duration_seconds",
    help: "gRPC call duration in seconds",
    labelNames,
    buckets: BUCKETS,
  });
  const inProgress = new Gauge({
    name: "bentoml_api_server_request_in_progress",
    help: "gRPC calls in progress",
    labelNames: ["service_name", "api_name"],
  });
  const service = env.BENTO_SERVICE ?? "";
  await listenMetrics(
    grpcMetricsSocket(env.BENTO_GRPC_METRICS_DIR!, env.BENTO_POOL ?? "grpc_api_server", env.BENTO_WORKER_ID ?? "1"),
    () => register.getMetricsAsJSON(),
  );

  return (method, call) => {
    const api = method.path;
    const started = performance.now();
    let ended = false;
    inProgress.inc({ service_name: service, api_name: api });
    return new grpc.ServerInterceptingCall(call, {
      sendStatus(status, next) {
        if (!ended) {
          ended = true;
          const labels = {
            service_name: service,
            api_name: api,
            grpc_code: grpc.status[status.code] ?? String(status.code),
          };
          total.inc(labels);
          duration.observe(labels, (performance.now() - started) / 1000);
          inProgress.dec({ service_name: service, api_name: api });
        }
        next(status);
      },
    });
  };
}

/** Serve `json()` on a Unix socket only this user can reach (a stale file of a dead predecessor is replaced). */
async function listenMetrics(path: string, json: () => Promise<unknown>): Promise<void> {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  try {
    unlinkSync(path);
  } catch { /* none left */ }
  const server = createServer((_req, res) => {
    void json().then(
      (body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      (error) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => {
    server.once("error", (error) => {
      console.error(
        `cannot serve this worker's metrics on ${path} (${error.message}): the metrics server will miss them`,
      );
      resolve();
    });
    server.listen(path, resolve);
  });
  server.unref();
}
