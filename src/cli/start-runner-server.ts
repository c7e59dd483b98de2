/**
 * `bento-kit start-runner-server [SERVICE_DIR] --runner-name NAME`: one
 * runner's pool on a TCP socket the supervisor binds and holds (`--host`,
 * default 127.0.0.1; `--port`, 0 or absent picks a free one, printed in the
 * start line), for an API server on another host to reach with
 * `start-http-server --depends NAME=tcp://HOST:PORT`. BentoML's
 * `bentoml start-runner-server`.
 */
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { err, ok, type Result } from "neverthrow";
import { buildRunnerServerSpec, RUNNER_SERVER_DEFAULTS } from "../core/component-specs.ts";
import { type OptionInvalid, optionInvalid } from "../core/errors.ts";
import { MAX_WORKERS } from "../core/manifest.ts";
import { resolveServeOptions } from "../core/serve-options.ts";
import { adminArgs } from "./_admin-settings.ts";
import { combineProblems, launch, listenUrl } from "./_launch.ts";
import { metricsArgs, metricsEnabled, metricsPlugins } from "./_metrics-settings.ts";
import { optionArgs, serveFlagsFrom, SERVICE_ARG } from "./_options-table.ts";

export const RUNNER_NAME_ENV = "BENTO_SERVE_RUNNER_NAME";

export const startRunnerServerArgs = {
  ...SERVICE_ARG,
  "runner-name": {
    type: "string",
    valueHint: "NAME",
    description: `The runner to serve, as named in the manifest's runners [env ${RUNNER_NAME_ENV}] (required)`,
  },
  workers: {
    type: "string",
    valueHint: "N",
    description: "Number of runner workers (default: the manifest's runners.<name>.workers)",
  },
  ...optionArgs([
    "host",
    "port",
    "backlog",
    "timeout",
    "working-dir",
    "timeout-keep-alive",
    "timeout-graceful-shutdown",
    "debug",
  ], {
    host: {
      help: "Address the runner listens on: IPv4, IPv6 or a hostname (0.0.0.0 to be reached from other hosts)",
      default: RUNNER_SERVER_DEFAULTS.host,
    },
    port: { help: "Port of the runner; 0 picks a free one, printed at start", default: "0" },
  }),
  ...metricsArgs,
  ...adminArgs,
} as const;

export const startRunnerServerCommand = defineCommand({
  meta: {
    name: "start-runner-server",
    description:
      "Serve one runner's pool on TCP, for an API server on another host (start-http-server --depends NAME=tcp://HOST:PORT)",
  },
  args: startRunnerServerArgs,
  run({ args }) {
    const raw = args as Record<string, string | boolean | undefined>;
    const name = (raw["runner-name"] as string | undefined) ?? process.env[RUNNER_NAME_ENV];
    const workers = raw.workers === undefined ? ok(undefined) : parseWorkers(raw.workers as string);
    return launch({
      serviceDir: (raw.service as string | undefined) ?? ".",
      debug: Boolean(raw.debug),
      admin: raw as Parameters<typeof launch>[0]["admin"],
      options: ({ service, dir }, env) => {
        const named = name === undefined || name.trim() === ""
          ? err(
            optionInvalid(
              "--runner-name",
              `is required: name the runner to serve (${
                service.runners.map((r) => r.name).join(", ") || "the service declares none"
              })`,
            ),
          )
          : ok(name);
        const options = resolveServeOptions(serveFlagsFrom(raw, (p) => resolve(p)), env, {
          ...service.serve,
          host: RUNNER_SERVER_DEFAULTS.host,
          port: RUNNER_SERVER_DEFAULTS.port,
          workingDir: dir,
        });
        return combineProblems(options, [named, workers]);
      },
      buildSpec: ({ service }, options, ctx) =>
        buildRunnerServerSpec(service, options, {
          ...ctx,
          target: { runner: name!, workers: workers.unwrapOr(undefined) },
        }),
      plugins: () => metricsPlugins(metricsEnabled(raw as { metrics?: boolean }, process.env)),
      startLine: ({ service }, options, address) =>
        `Starting RunnerServer from "${service.name}" running on ${
          listenUrl(options.host, address)
        } (Press CTRL+C to quit)`,
    });
  },
});

function parseWorkers(raw: string): Result<number, OptionInvalid> {
  const n = Number(raw);
  if (/^\d+$/.test(raw.trim()) && n >= 1 && n <= MAX_WORKERS) return ok(n);
  return err(
    optionInvalid("--workers", `expected a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(raw)}`),
  );
}
