/**
 * `start-runner-server --runner-name NAME`: one runner's pool on a TCP
 * socket the supervisor binds and holds (default 127.0.0.1, port 0 picks a
 * free one, printed at start), for an API server on another host. BentoML's
 * `bentoml start-runner-server`. Runner servers are internal: no TLS.
 */
import { err, ok } from "neverthrow";
import { buildRunnerServerSpec, RUNNER_SERVER_DEFAULTS } from "../../core/component-specs.ts";
import { optionInvalid } from "../../core/errors.ts";
import { defineMode, listenUrl } from "../mode.ts";
import { metricsLine } from "./_lines.ts";
import { REFUSED } from "./_refusals.ts";

export interface RunnerServerOptions {
  readonly runner: string;
  readonly workers?: number;
}

export const runnerServerMode = defineMode<RunnerServerOptions>({
  name: "start-runner-server",
  protocol: "HTTP",
  groups: ["listen", "worker", "runner-server", "metrics", "admin", "log"],
  refusals: {
    "api-workers": REFUSED.apiWorkers,
    "runner-sockets": REFUSED.unixSockets,
    "remote-runners": "a runner server is what the API server's --depends points at",
    tls: REFUSED.tlsRunner,
    grpc: REFUSED.grpc,
    "grpc-metrics": REFUSED.grpcMetrics,
    development: REFUSED.development,
  },
  // The manifest's serve.host and serve.port are the API server's.
  ignoresManifest: ["host", "port"],
  defaults: () => ({ host: RUNNER_SERVER_DEFAULTS.host, port: RUNNER_SERVER_DEFAULTS.port }),
  options: (v, { service }) => {
    const name = v["runner-name"];
    if (name === undefined || name.trim() === "") {
      const known = service.runners.map((r) => r.name).join(", ") || "the service declares none";
      return err(optionInvalid("--runner-name", `is required: name the runner to serve (${known})`));
    }
    return ok({ runner: name, workers: v.workers });
  },
  buildSpec: ({ service }, o, ctx) =>
    buildRunnerServerSpec(service, o.serve, { ...ctx, target: { runner: o.mode.runner, workers: o.mode.workers } }),
  plugins: () => [],
  startLines: ({ service }, o, addressOf) => {
    const url = listenUrl(o.serve.host, addressOf());
    return [
      ...(o.metrics ? [metricsLine("RunnerServer", service.name, `${url}/metrics`)] : []),
      `Starting RunnerServer from "${service.name}" running on ${url} (Press CTRL+C to quit)`,
    ];
  },
});
