/** The remote runners of start-http-server and start-grpc-server, from `--depends` and `--runner-map`. */
import type { Result } from "neverthrow";
import type { RunnerMapInvalid } from "../../core/errors.ts";
import type { OptionValues } from "../../core/options/table.ts";
import { type RemoteRunners, resolveRunnerMap } from "../../core/runner-map-input.ts";
import type { LoadedService, ModeInput } from "../mode.ts";

export interface RemoteOptions {
  readonly runners: RemoteRunners;
}

/**
 * Every runner the service declares must be named, at an address the runner
 * client can use. The flags win over both variables (BENTO_SERVE_DEPENDS,
 * BENTO_RUNNER_MAP), which are read only when neither flag is given.
 */
export function remoteRunners(
  _values: OptionValues,
  { service }: LoadedService,
  { flags, env }: ModeInput,
): Result<RemoteOptions, RunnerMapInvalid> {
  const depends = flags.depends as readonly string[] | undefined;
  const runnerMap = flags["runner-map"] as string | undefined;
  return resolveRunnerMap({ depends, runnerMap }, env, service).map((runners) => ({ runners }));
}

export function remoteRunnersNote(o: RemoteOptions): string {
  return `Using remote runners: ${JSON.stringify(o.runners)}`;
}
