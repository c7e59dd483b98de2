/**
 * What a scaled-out service runs, whatever writes it down (Kubernetes,
 * Compose): one component per runner (`start-runner-server`) and the HTTP API
 * (`start-http-server`, its runner map pointing at the runner components'
 * addresses). Each component's pool comes from the same spec builders the
 * commands use, shaped by the plugins' `launchSpec` hooks (planLaunch), so
 * workers, graceful timeout and ports are what the container will really run.
 */
import { err, ok, type Result, ResultAsync, safeTry } from "neverthrow";
import { type BentoError, type ManifestInvalid, manifestInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { planLaunch } from "../core/plan.ts";
import type { ResourcesInput } from "../core/resources.ts";
import type { LaunchSpec } from "../core/types.ts";
import type { LoadedService, Mode } from "../launch/mode.ts";
import { httpServerMode } from "../launch/plans/http-server.ts";
import { runnerServerMode } from "../launch/plans/runner-server.ts";
import { planLaunchOf, resolveLaunchOptions } from "../launch/prepare.ts";

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
  /** Where the workers answer while alive (bento-kit/worker's serve(): `/livez`). */
  readonly livenessPath: string;
  /** Where the workers answer once ready to serve (serve(): `/readyz`, which checks an API worker's runners). */
  readonly readinessPath: string;
  /**
   * Pools whose command is not a module (Python, a binary): nothing says they
   * answer the health routes, which bento-kit/worker's serve() gives modules.
   */
  readonly foreignPools: readonly string[];
}

export interface TopologyOptions {
  /** The export's own launch flags (`--port`, `--timeout`, ...), as the API component's command takes them. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** Port every runner component listens on inside its pod or container. */
  readonly runnerPort: number;
  /** The host a runner component is reached at from the API component, e.g. its cluster DNS name. */
  readonly runnerHost: (component: string) => string;
  /** Path of the service directory inside the image. */
  readonly serviceDir: string;
  readonly logger: Logger;
}

/**
 * Each component planned as its command would plan it (the launch pipeline's
 * runner-server and HTTP-server modes, their options from the table, every
 * built-in plugin and the service's), with an empty environment so that the
 * files are the same on every machine. Nothing is made, bound or started.
 */
export function buildTopology(loaded: LoadedService, o: TopologyOptions): ResultAsync<Component[], BentoError> {
  const ctx = { runDir: "/tmp/bento-kit-plan", cpuCount: 1, environ: {} };
  const { service } = loaded;
  const plan = <M>(mode: Mode<M>, flags: Readonly<Record<string, unknown>>) => {
    const input = {
      serviceDir: loaded.dir,
      flags: { ...flags, admin: false },
      env: {},
      cwd: loaded.dir,
      logger: o.logger,
    };
    return resolveLaunchOptions(mode, loaded, input).andThen((options) => planLaunchOf(mode, loaded, options, { ctx }))
      .asyncAndThen((p) => new ResultAsync(planLaunch(p.spec, p.plugins, o.logger)).map((spec) => ({ spec, p })));
  };
  return safeTry<Component[], BentoError>(async function* () {
    yield* distinctNames(loaded);
    const components: Component[] = [];
    const runnerMap: Record<string, string> = {};
    const listen = { host: "0.0.0.0" };
    for (const runner of service.runners) {
      const name = componentName(service.name, `runner-${runner.name}`);
      const flags = { ...o.flags, ...listen, port: String(o.runnerPort), "runner-name": runner.name };
      const { spec } = yield* plan(runnerServerMode, flags);
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
    const depends = Object.entries(runnerMap).map(([name, address]) => `${name}=${address}`);
    // A service without runners depends on none (an empty --depends is a usage error).
    const { spec, p } = yield* plan(httpServerMode, { ...o.flags, ...listen, ...(depends.length > 0 && { depends }) });
    const port = p.options.serve.port;
    const args = ["start-http-server", o.serviceDir, "--host", "0.0.0.0", "--port", String(port)];
    const api = component(componentName(service.name, "api-server"), "api", args, spec, port, service.api.resources);
    components.push({ ...api, env: { ...api.env, BENTO_RUNNER_MAP: JSON.stringify(runnerMap) } });
    return ok(components);
  });
}

/**
 * Runner names that become one component name (`Iris_Big` and `iris-big`, or
 * two long names cut at 63 characters) would share one Deployment, Service and
 * file, and the runner map would send both runners to one of them: refused,
 * each clash naming both runners and the name.
 */
function distinctNames(loaded: LoadedService): Result<void, ManifestInvalid> {
  const { service } = loaded;
  const owner = new Map<string, string>([[componentName(service.name, "api-server"), "the API server"]]);
  const issues = [];
  for (const runner of service.runners) {
    const name = componentName(service.name, `runner-${runner.name}`);
    const other = owner.get(name);
    if (other === undefined) owner.set(name, `runner "${runner.name}"`);
    else {
      issues.push({
        path: `runners.${runner.name}`,
        message: `${other} and runner "${runner.name}" both export as "${name}": rename one of them ` +
          "(names are lowercased, other characters than a-z, 0-9 and - become -, and cut at 63 characters)",
      });
    }
  }
  return issues.length === 0 ? ok(undefined) : err(manifestInvalid(loaded.file ?? loaded.dir, issues));
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
    livenessPath: "/livez",
    readinessPath: "/readyz",
    foreignPools: pools.filter((w) => w.command.kind !== "module").map((w) => w.name),
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
