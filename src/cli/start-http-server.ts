/**
 * `bento-kit start-http-server [SERVICE_DIR] --depends NAME=URI ...`: the API
 * server pool alone, its runners served elsewhere (`start-runner-server` on
 * other hosts). The runner map comes from `--depends name=uri` (repeatable,
 * env BENTO_SERVE_DEPENDS) and/or `--runner-map JSON` (env BENTO_RUNNER_MAP);
 * it must name every runner the service declares, each at a `tcp://host:port`
 * or `unix:///path` address, else nothing starts (exit 2). BentoML's
 * `bentoml start-http-server`.
 */
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { buildHttpServerSpec } from "../core/component-specs.ts";
import { type RemoteRunners, resolveRunnerMap, RUNNER_MAP_ENV } from "../core/runner-map-input.ts";
import { resolveServeOptions, type ServeOptions } from "../core/serve-options.ts";
import { runnerMapPlugin } from "../../plugins/runner-map.ts";
import { adminArgs } from "./_admin-settings.ts";
import { combineProblems, launch, listenUrl } from "./_launch.ts";
import { metricsArgs, metricsEnabled, metricsPlugins } from "./_metrics-settings.ts";
import { optionArgs, serveFlagsFrom, SERVICE_ARG } from "./_options-table.ts";

export const startHttpServerArgs = {
  ...SERVICE_ARG,
  depends: {
    type: "string",
    valueHint: "NAME=URI",
    repeatable: true,
    description:
      `A remote runner and its address, tcp://HOST:PORT or unix:///PATH; repeat for each runner [env ${RUNNER_MAP_ENV.depends}, space-separated]`,
  },
  "runner-map": {
    type: "string",
    valueHint: "JSON",
    description:
      `Remote runners as a JSON object, e.g. '{"iris":"tcp://10.0.0.5:3001"}' [env ${RUNNER_MAP_ENV.runnerMap}]`,
  },
  ...optionArgs([
    "host",
    "port",
    "api-workers",
    "backlog",
    "timeout",
    "working-dir",
    "timeout-keep-alive",
    "timeout-graceful-shutdown",
    "debug",
  ]),
  ...metricsArgs,
  ...adminArgs,
} as const;

interface HttpServerOptions extends ServeOptions {
  readonly runners: RemoteRunners;
}

export const startHttpServerCommand = defineCommand({
  meta: {
    name: "start-http-server",
    description: "Serve the API server pool alone, its runners on other hosts (--depends NAME=tcp://HOST:PORT)",
  },
  args: startHttpServerArgs,
  run({ args, rawArgs }) {
    const raw = args as Record<string, string | boolean | undefined>;
    const depends = collectFlag(rawArgs, "depends");
    return launch<HttpServerOptions>({
      serviceDir: (raw.service as string | undefined) ?? ".",
      debug: Boolean(raw.debug),
      admin: raw as Parameters<typeof launch>[0]["admin"],
      options: ({ service, dir }, env) => {
        const runners = resolveRunnerMap(
          { depends: depends.length > 0 ? depends : undefined, runnerMap: raw["runner-map"] as string | undefined },
          env,
          service,
        );
        const options = resolveServeOptions(serveFlagsFrom(raw, (p) => resolve(p)), env, {
          ...service.serve,
          workingDir: dir,
        });
        return combineProblems(options, [runners]).map((o) => ({ ...o, runners: runners.unwrapOr({}) }));
      },
      buildSpec: ({ service }, options, ctx) =>
        buildHttpServerSpec(service, options, { ...ctx, runners: options.runners }),
      plugins: (_, options) => [
        runnerMapPlugin({ remote: options.runners }),
        ...metricsPlugins(metricsEnabled(raw as { metrics?: boolean }, process.env)),
      ],
      notes: (_, options) => [`Using remote runners: ${JSON.stringify(options.runners)}`],
      startLine: ({ service }, options, address) =>
        `Starting bare HTTP BentoServer from "${service.name}" running on ${
          listenUrl(options.host, address)
        } (Press CTRL+C to quit)`,
    });
  },
});

/** Every value of a repeatable flag (`--name V`, `--name=V`), up to a `--`. */
export function collectFlag(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === `--${name}`) values.push(rawArgs[++i] ?? "");
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values;
}
