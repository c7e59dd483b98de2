/**
 * A pool's `ready` setting in the manifest, and the readiness rule it makes.
 * `READY=1` on the pipe in `BENTO_READY_FD` always counts; `log` adds an
 * output line pattern, `after` a delay in seconds; `timeout` (seconds) bounds
 * the wait before the worker is reported (and a rolling restart gives up).
 */
import type { Checker } from "./_checker.ts";
import type { Command, ReadySpec } from "./types.ts";

export interface ReadyInput {
  /** A regular expression matched against each output line, e.g. "Application startup complete". */
  readonly log?: string;
  /** Seconds after the spawn when the worker counts as ready if it said nothing. */
  readonly after?: number;
  /** Seconds to wait for readiness before reporting the worker (default 60). */
  readonly timeout?: number;
}

/** Programs that are not bento-kit workers count as ready after this delay unless the pool says otherwise. */
export const DEFAULT_ARGV_READY_AFTER_S = 1;
export const DEFAULT_READY_TIMEOUT_S = 60;

export function validateReady(c: Checker, value: unknown, path: string): ReadyInput | undefined {
  if (value === undefined) return undefined;
  const example = `e.g. { log: "Application startup complete" } or { after: 2 }`;
  if (!c.object(value, path, `an object with log, after or timeout, ${example}`)) return undefined;
  c.knownKeys(value, path, ["log", "after", "timeout"]);
  if (value.log !== undefined && c.string(value.log, `${path}.log`)) {
    try {
      new RegExp(value.log as string);
    } catch (cause) {
      c.issue(`${path}.log`, `is not a valid regular expression: ${(cause as Error).message}`);
    }
  }
  for (const key of ["after", "timeout"] as const) {
    const v = value[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 86_400)) {
      c.issue(`${path}.${key}`, `expected a number of seconds from 0 to 86400, got ${JSON.stringify(v)}`);
    }
  }
  return value as ReadyInput;
}

/** The readiness rule of a pool: module workers say READY=1 themselves (bento-kit/worker's serve() does). */
export function buildReadySpec(command: Command, input: ReadyInput | undefined): ReadySpec {
  const after = input?.after ??
    (command.kind === "argv" && input?.log === undefined ? DEFAULT_ARGV_READY_AFTER_S : undefined);
  return {
    log: input?.log,
    afterMs: after === undefined ? undefined : after * 1000,
    timeoutMs: (input?.timeout ?? DEFAULT_READY_TIMEOUT_S) * 1000,
  };
}
