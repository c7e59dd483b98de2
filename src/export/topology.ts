/**
 * What a scaled-out service runs, whatever writes it down (Kubernetes,
 * Compose): one component per runner (`start-runner-server`) and the HTTP API
 * (`start-http-server`, its runner map pointing at the runner components'
 * addresses). Each component's pool comes from the same spec builders the
 * commands use, shaped by the plugins' `launchSpec` hooks (planLaunch), so
 * workers, graceful timeout and ports are what the container will really run.
 */
import { ok, type ResultAsync, safeTry } from "neverthrow";
import { buildHttpServerSpec, buildRunnerServerSpec } from "../core/component-specs.ts";
import type { BentoError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { ServiceDef } from "../core/manifest.ts";
import { planLaunch } from "../core/plan.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import type { ResourcesInput } from "../core/resources.ts";
import type { ServeOptions } from "../core/serve-options.ts";
import type { LaunchSpec } from "../core/types.ts";

export interface Component {
  /** DNS-1035 label: `<service>-runner-<name>` or `<service>-api-server`. */
  readonly name: string;
  readonly role: "runner" | "api";
  /** Arguments after the bento-kit entry point, e.g. ["start-runner-server", ".", "--runner-name", "iris", ...]. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** Workers of the pool the component runs (the container's bento-kit starts them). */
  readonly workers: number;
  /** Seconds the supervisor gives its workers to drain (the orchestrator should wait a little longer). */
  readonly gracefulTimeout: number;
  readonly resources?: ResourcesInput;
  /** Where the workers' health route answers. */
  readonly healthPath: string;
}

export interface TopologyOptions {
  /** Resolved serve options of the API component (its port, timeouts). */
  readonly options: ServeOptions;
  /** Port every runner component listens on inside its pod or container. */
  readonly runnerPort: number;
  /** The host a runner component is reached at from the API component, e.g. its cluster DNS name. */
  readonly runnerHost: (component: string) => string;
  /** Path of the service directory inside the image. */
  readonly serviceDir: string;
  readonly plugins: readonly BentoPlugin[];
  readonly logger: Logger;
}

export function buildTopology(service: ServiceDef, o: TopologyOptions): ResultAsync<Component[], BentoError> {
  const ctx = { runDir: "/tmp/bento-kit-plan", cpuCount: 1, environ: {} };
  return safeTry<Component[], BentoError>(async function* () {
    const components: Component[] = [];
    const runnerMap: Record<string, string> = {};
    for (const runner of service.runners) {
      const name = componentName(service.name, `runner-${runner.name}`);
      const options = { ...o.options, host: "0.0.0.0", port: o.runnerPort };
      const built = yield* buildRunnerServerSpec(service, options, { ...ctx, target: { runner: runner.name } });
      const spec = yield* await planLaunch(built, o.plugins, o.logger);
      runnerMap[runner.name] = `tcp://${o.runnerHost(name)}:${o.runnerPort}`;
      const args = [
        "start-runner-server",
        o.serviceDir,
        "--runner-name",
        runner.name,
        "--host",
        "0.0.0.0",
        "--port",
        String(o.runnerPort),
      ];
      components.push(component(name, "runner", args, spec, o.runnerPort, runner.resources));
    }
    const built = yield* buildHttpServerSpec(service, o.options, { ...ctx, runners: runnerMap });
    const spec = yield* await planLaunch(built, o.plugins, o.logger);
    const args = ["start-http-server", o.serviceDir, "--host", "0.0.0.0", "--port", String(o.options.port)];
    const api = component(
      componentName(service.name, "api-server"),
      "api",
      args,
      spec,
      o.options.port,
      service.api.resources,
    );
    components.push({ ...api, env: { ...api.env, BENTO_RUNNER_MAP: JSON.stringify(runnerMap) } });
    return ok(components);
  });
}

function component(
  name: string,
  role: Component["role"],
  args: string[],
  spec: LaunchSpec,
  port: number,
  resources: ResourcesInput | undefined,
): Component {
  const pools = spec.watchers;
  return {
    name,
    role,
    args,
    port,
    resources,
    env: { BENTO_CONTAINERIZED: "1" },
    workers: pools.reduce((n, w) => n + w.workers, 0),
    gracefulTimeout: Math.max(0, ...pools.map((w) => w.gracefulTimeout)),
    healthPath: "/healthz",
  };
}

/** A DNS-1035 label (Kubernetes Service names, Compose service names): lowercase, `-`, at most 63 characters. */
export function componentName(service: string, part: string): string {
  const label = `${service}-${part}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").replace(
    /-+$/,
    "",
  );
  return label.slice(0, 63).replace(/-+$/, "") || "bento";
}
