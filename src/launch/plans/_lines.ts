/** BentoML's metrics line and the TLS-aware scheme, for every mode's start lines. */
import type { BoundAddress } from "../../core/types.ts";
import { listenUrl } from "../mode.ts";

/** `Prometheus metrics for HTTP BentoServer from "iris" can be accessed at http://…/metrics.` */
export function metricsLine(server: string, service: string, url: string): string {
  return `Prometheus metrics for ${server} from "${service}" can be accessed at ${url}.`;
}

/** Where a client reaches a server bound to `host`: a wildcard host is shown as loopback. */
export function reachableUrl(host: string, address: BoundAddress | undefined, scheme = "http"): string {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return listenUrl(shown, address, scheme);
}
