/**
 * bento:runner-map — gives each runner pool its socket (a Unix socket in the
 * instance's private directory, or loopback TCP when Unix sockets are off)
 * and hands API workers the runner map `{ runner: "unix:///…sock" | "tcp://…" }`
 * as `BENTO_RUNNER_MAP` and the `{runner_map}` placeholder.
 */
import { err, ok } from "neverthrow";
import {
  type BentoPlugin,
  type BoundSocket,
  checkUnixPath,
  definePlugin,
  type LaunchSpec,
  type SocketSpec,
} from "../src/core/public.ts";

export interface RunnerMapOptions {
  /** Unix sockets (default) or loopback TCP on a port held by the supervisor. */
  readonly unixSockets?: boolean;
  /** Runners served elsewhere (`start-http-server --runner-map`): name → address. */
  readonly remote?: Readonly<Record<string, string>>;
}

export function runnerMapPlugin(options: RunnerMapOptions = {}): BentoPlugin {
  const unix = options.unixSockets ?? true;
  let logged = "";
  return definePlugin({
    name: "bento:runner-map",
    launchSpec(spec: LaunchSpec) {
      const backlog = Number(spec.vars.backlog ?? 2048);
      const added: SocketSpec[] = [];
      for (const name of runnerSocketNames(spec)) {
        if (spec.sockets.some((s) => s.name === name)) continue;
        if (!unix) {
          added.push({ kind: "tcp", name, host: "127.0.0.1", port: 0, backlog });
          continue;
        }
        const path = checkUnixPath(`${spec.runDir}/${name}.sock`);
        if (path.isErr()) return err(path.error);
        added.push({ kind: "unix", name, path: path.value, backlog });
      }
      return ok({ ...spec, sockets: [...spec.sockets, ...added] });
    },
    beforeSpawn(plan, ctx) {
      if (plan.role !== "api" && plan.role !== "grpc") return ok(plan);
      const map = JSON.stringify(buildRunnerMap(ctx.spec, ctx.sockets, options.remote));
      if (map !== logged) ctx.logger.debug(`Runner map: ${(logged = map)}`);
      return ok({ ...plan, env: { ...plan.env, BENTO_RUNNER_MAP: map }, vars: { ...plan.vars, runner_map: map } });
    },
  });
}

function runnerSocketNames(spec: LaunchSpec): string[] {
  return spec.watchers.filter((w) => w.role === "runner").flatMap((w) => w.sockets.slice(0, 1));
}

/** `{ runner: address }` from the sockets the supervisor bound, plus remote runners. */
export function buildRunnerMap(
  spec: LaunchSpec,
  sockets: ReadonlyMap<string, BoundSocket>,
  remote: Readonly<Record<string, string>> = {},
): Record<string, string> {
  // Without a prototype: `map.__proto__ = ...` would set the prototype, not name a runner `__proto__`.
  const map: Record<string, string> = Object.assign(Object.create(null), remote);
  for (const name of runnerSocketNames(spec)) {
    const address = sockets.get(name)?.address;
    if (address?.kind === "unix") map[name] = `unix://${address.path}`;
    else if (address?.kind === "tcp") {
      map[name] = `tcp://${address.family === 6 ? `[${address.host}]` : address.host}:${address.port}`;
    }
  }
  return map;
}
