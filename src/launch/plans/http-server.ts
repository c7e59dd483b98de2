/**
 * `start-http-server`: the HTTP API pool alone, its runners served elsewhere
 * (`--depends NAME=URI`, `--runner-map JSON`), with serve's TLS, metrics and
 * logs. BentoML's `bentoml start-http-server`.
 */
import { buildHttpServerSpec } from "../../core/component-specs.ts";
import { runnerMapPlugin } from "../../../plugins/runner-map.ts";
import { defineMode, listenUrl } from "../mode.ts";
import { metricsLine } from "./_lines.ts";
import { REFUSED } from "./_refusals.ts";
import { type RemoteOptions, remoteRunners, remoteRunnersNote } from "./_remote.ts";

export const httpServerMode = defineMode<RemoteOptions>({
  name: "start-http-server",
  protocol: "HTTP",
  groups: ["listen", "api-workers", "worker", "remote-runners", "tls", "metrics", "admin", "log"],
  refusals: {
    "runner-sockets": REFUSED.unixSockets,
    "runner-server": REFUSED.runnerServer,
    grpc: REFUSED.grpc,
    "grpc-metrics": REFUSED.grpcMetrics,
    development: REFUSED.development,
  },
  options: remoteRunners,
  buildSpec: ({ service }, o, ctx) => buildHttpServerSpec(service, o.serve, { ...ctx, runners: o.mode.runners }),
  plugins: (o) => [runnerMapPlugin({ remote: o.mode.runners })],
  notes: (_, o) => [remoteRunnersNote(o.mode)],
  startLines: ({ service }, o, addressOf) => {
    const scheme = o.tls ? "https" : "http";
    const url = listenUrl(o.serve.host, addressOf(), scheme);
    return [
      ...(o.metrics ? [metricsLine("HTTP BentoServer", service.name, `${url}/metrics`)] : []),
      `Starting bare ${scheme.toUpperCase()} BentoServer from "${service.name}" running on ${url} (Press CTRL+C to quit)`,
    ];
  },
});
