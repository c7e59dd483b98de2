/** The monitoring plugin's switch for `serve` and the start-* commands. */
import { monitoringPlugin } from "../../plugins/monitoring.ts";
import type { BentoPlugin } from "../core/plugin.ts";

type Env = Readonly<Record<string, string | undefined>>;

export const metricsArgs = {
  metrics: {
    type: "boolean",
    description:
      "Prometheus metrics of the supervisor and every worker at GET /metrics on the API or runner port (gRPC: on the metrics server); --no-metrics turns them off [env BENTO_NO_METRICS=1] (default on)",
  },
} as const;

/** On unless --no-metrics or BENTO_NO_METRICS=1 (a flag beats the variable). */
export function metricsEnabled(flags: { readonly metrics?: boolean }, env: Env): boolean {
  return flags.metrics ?? !["1", "true", "yes"].includes((env.BENTO_NO_METRICS ?? "").toLowerCase());
}

export function metricsPlugins(on: boolean): BentoPlugin[] {
  return on ? [monitoringPlugin()] : [];
}

/** BentoML's line: `Prometheus metrics for HTTP BentoServer from "iris" can be accessed at http://…/metrics.` */
export function metricsLine(service: string, url: string): string {
  return `Prometheus metrics for HTTP BentoServer from "${service}" can be accessed at ${url}/metrics.`;
}
