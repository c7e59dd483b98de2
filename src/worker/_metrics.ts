/**
 * The monitoring hook of `serve()`: when the supervisor's monitoring plugin
 * is on (`BENTO_METRICS_DIR` set), requests are measured and API workers
 * answer `GET /metrics`; otherwise the handler is served as it is and
 * prom-client is never loaded.
 */
import type { FetchHandler } from "./_serve-types.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** `handler`, measured when the monitoring plugin is on. */
export async function withMetrics(handler: FetchHandler, env: Env = process.env): Promise<FetchHandler> {
  const dir = env.BENTO_METRICS_DIR;
  if (dir === undefined || dir === "") return handler;
  const { createWorkerMetrics } = await import("./_metrics-worker.ts");
  return (await createWorkerMetrics(env, dir)).wrap(handler);
}

/**
 * prom-client, as bento-kit's worker uses it: metrics made with it land in
 * its default registry, which the scrape includes, labelled with this
 * worker's pool and id.
 *
 * ```ts
 * const { Counter } = await loadMetrics();
 * const predictions = new Counter({ name: "iris_predictions_total", help: "Rows classified", labelNames: ["class"] });
 * predictions.inc({ class: "setosa" });
 * ```
 */
export function loadMetrics(): Promise<typeof import("prom-client")> {
  return import("prom-client");
}
