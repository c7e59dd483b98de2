/**
 * A worker's metrics slot: the directory `<pool>.<worker id>` under the
 * instance's metrics directory (`BENTO_METRICS_DIR`), which is that worker's
 * `PROMETHEUS_MULTIPROC_DIR` and holds its `metrics.sock`. The monitoring
 * plugin makes it, the worker serves from it, the scrape and the admin
 * sampler read it: one name for all of them. A `/` in a pool's name
 * (`runner/iris`) becomes `_`.
 */
export function metricsSlotName(pool: string, workerId: number | string): string {
  return `${pool.replace(/\//g, "_")}.${workerId}`;
}
