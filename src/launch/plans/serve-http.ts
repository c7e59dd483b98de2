/**
 * `serve`: every pool on one machine — runners on private sockets, then the
 * HTTP API pool on the public socket (TLS and metrics when configured);
 * `--development` and `--reload` for working on the service.
 */
import { err, ok } from "neverthrow";
import { optionInvalid } from "../../core/errors.ts";
import { DEVELOPMENT_HOST, developmentSpec } from "../../core/development.ts";
import { buildServeSpec } from "../../core/serve-spec.ts";
import { runnerMapPlugin } from "../../../plugins/runner-map.ts";
import { defineMode, listenUrl } from "../mode.ts";
import { metricsLine } from "./_lines.ts";
import { REFUSED } from "./_refusals.ts";

export const serveHttpMode = defineMode<Record<never, never>>({
  name: "serve",
  protocol: "HTTP",
  groups: [
    "listen",
    "api-workers",
    "worker",
    "runner-sockets",
    "tls",
    "metrics",
    "admin",
    "log",
    "development",
    "production",
  ],
  refusals: {
    "remote-runners": REFUSED.remoteRunners,
    "runner-server": REFUSED.runnerServer,
    grpc: REFUSED.grpc,
    "grpc-metrics": REFUSED.grpcMetrics,
  },
  defaults: (v) => (v.development ? { host: DEVELOPMENT_HOST } : {}),
  options: (v, _, { flags }) =>
    flags.production === true && v.development
      ? err(optionInvalid("--production", "and --development are opposites: give one"))
      : ok({}),
  buildSpec: ({ service }, o, ctx) => buildServeSpec(service, o.serve, ctx),
  finish: (spec, o, first) =>
    o.values.development
      ? developmentSpec(spec, { oneWorker: first, apiWorkersGiven: o.serve.apiWorkers !== undefined })
      : spec,
  plugins: (o) => [runnerMapPlugin({ unixSockets: o.serve.unixSockets })],
  startLines: ({ service }, o, addressOf) => {
    const api = addressOf();
    if (api === undefined) return [];
    const scheme = o.tls ? "https" : "http";
    const url = listenUrl(o.serve.host, api, scheme);
    const kind = o.values.development ? "development" : "production";
    return [
      ...(o.metrics ? [metricsLine("HTTP BentoServer", service.name, `${url}/metrics`)] : []),
      `Starting ${kind} ${scheme.toUpperCase()} BentoServer from "${service.name}" listening on ${url} (Press CTRL+C to quit)`,
    ];
  },
});
