/**
 * `bento-kit start-grpc-server [SERVICE_DIR] --depends NAME=URI ...`: the
 * service's gRPC pool alone, its runners served elsewhere (as
 * start-http-server: `--depends name=uri`, `--runner-map JSON`), plus one
 * metrics server process on `--metrics-host:--metrics-port` (default
 * 0.0.0.0:3001) unless --no-metrics. BentoML's `start-grpc-server`.
 */
import { defineCommand } from "citty";
import { adminArgs } from "./_admin-settings.ts";
import { grpcArgs, grpcPlan } from "./_grpc-launch.ts";
import { launch } from "./_launch.ts";
import { metricsArgs } from "./_metrics-settings.ts";
import { optionArgs, SERVICE_ARG } from "./_options-table.ts";
import { collectFlag, startHttpServerArgs } from "./start-http-server.ts";

export const startGrpcServerArgs = {
  ...SERVICE_ARG,
  depends: startHttpServerArgs.depends,
  "runner-map": startHttpServerArgs["runner-map"],
  ...optionArgs([
    "host",
    "port",
    "api-workers",
    "backlog",
    "timeout",
    "working-dir",
    "timeout-graceful-shutdown",
    "debug",
  ], {
    port: { help: "Port of the gRPC server; 0 picks a free one" },
    "api-workers": { help: "Number of gRPC server workers", default: "manifest grpc.workers, else CPU count" },
  }),
  ...grpcArgs,
  ...metricsArgs,
  ...adminArgs,
} as const;

export const startGrpcServerCommand = defineCommand({
  meta: {
    name: "start-grpc-server",
    description:
      "Serve the gRPC server pool and its metrics server, the runners on other hosts (--depends NAME=tcp://HOST:PORT)",
  },
  args: startGrpcServerArgs,
  run({ args, rawArgs }) {
    return launch(grpcPlan(args as Record<string, unknown>, { depends: collectFlag(rawArgs, "depends") }));
  },
});
