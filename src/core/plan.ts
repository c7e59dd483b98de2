/**
 * Planning without binding: a launch spec as the plugins shape it (the
 * `launchSpec` waterfall), with nothing bound, spawned or set up. `bento-kit
 * export` writes Kubernetes and Compose files from it. Plugins' `setup` does
 * not run here (it may create files or open sockets), so a `launchSpec`
 * handler should shape the spec from the spec alone.
 */
import type { Result } from "neverthrow";
import { createHookRunner, type WaterfallError } from "./hooks.ts";
import type { Logger } from "./logger.ts";
import type { BentoPlugin } from "./plugin.ts";
import type { LaunchSpec } from "./types.ts";

export function planLaunch(
  spec: LaunchSpec,
  plugins: readonly BentoPlugin[],
  logger: Logger,
): Promise<Result<LaunchSpec, WaterfallError>> {
  const hooks = createHookRunner(plugins, { logger, spec, sockets: new Map() });
  return hooks.waterfall("launchSpec", spec);
}
