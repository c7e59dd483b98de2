/**
 * A gRPC worker's metrics (when the supervisor's monitoring plugin is on,
 * that is when `BENTO_METRICS_DIR` is set): BentoML's request metrics for
 * every call, counted by a server interceptor into prom-client's default
 * registry, served as Prometheus text on the worker's slot socket
 * `$PROMETHEUS_MULTIPROC_DIR/metrics.sock`, as an HTTP worker's are. The
 * metrics server (`prom_server`) scrapes the whole instance, this worker
 * included, labelled with its `pool` and `worker_id`.
 */
import { join } from "node:path";
import type { ServerInterceptor } from "@grpc/grpc-js";
import { metricsSlotName } from "../core/metrics-slot.ts";
import { serveSlotMetrics } from "./_metrics-socket.ts";
import { DURATION_BUCKETS } from "./_metrics-worker.ts";

type Env = Readonly<Record<string, string | undefined>>;

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
    buckets: DURATION_BUCKETS,
  });
  const inProgress = new Gauge({
    name: "bentoml_api_server_request_in_progress",
    help: "gRPC calls in progress",
    labelNames: ["service_name", "api_name"],
  });
  const service = env.BENTO_SERVICE ?? "";
  const slotDir = env.PROMETHEUS_MULTIPROC_DIR ||
    join(env.BENTO_METRICS_DIR!, metricsSlotName(env.BENTO_POOL ?? "grpc_api_server", env.BENTO_WORKER_ID ?? "1"));
  await serveSlotMetrics(slotDir, () => register.metrics());

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
