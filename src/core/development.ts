/**
 * `serve --development`: a launch spec shaped for working on a service. Every
 * pool starts with one worker (the API pool keeps `--api-workers` when it is
 * given), API workers keep the supervisor's stdin (a debugger or a REPL in a
 * worker can read the terminal), and the host defaults to 127.0.0.1.
 */
import type { LaunchSpec } from "./types.ts";

export const DEVELOPMENT_HOST = "127.0.0.1";

export interface DevelopmentOptions {
  /** Set each pool to one worker (at start); a reload keeps the counts its plan chose. */
  readonly oneWorker: boolean;
  /** `--api-workers` was given: the API pool keeps its count. */
  readonly apiWorkersGiven: boolean;
}

export function developmentSpec(spec: LaunchSpec, options: DevelopmentOptions): LaunchSpec {
  return {
    ...spec,
    watchers: spec.watchers.map((w) => {
      const api = w.role === "api" || w.role === "grpc";
      const workers = options.oneWorker && !(api && options.apiWorkersGiven) ? 1 : w.workers;
      return { ...w, workers, keepStdin: api || w.keepStdin };
    }),
  };
}
