/**
 * Errors thrown by the worker helpers. Workers are the edge of the system, so
 * these are thrown, but they stay class-free: a plain `Error` carrying a
 * PascalCase `kind` and the fields that explain it, made by small functions.
 */

/** A `LISTEN_*`, `BENTO_*` variable or an argument is missing or malformed. */
export type WorkerEnvErrorKind = "WorkerEnvInvalid" | "SocketNotFound" | "RuntimeUnsupported";

/** Something went wrong while calling a runner through the runner client. */
export type RunnerErrorKind =
  | "RunnerNotFound"
  | "RunnerAddressInvalid"
  | "RunnerUnavailable"
  | "RunnerTimeout"
  | "RunnerAborted"
  | "RunnerHttpError"
  | "RunnerBadResponse";

export interface WorkerEnvError extends Error {
  readonly kind: WorkerEnvErrorKind;
  /** The environment variable or argument at fault, e.g. `BENTO_RUNNER_MAP`. */
  readonly variable?: string;
}

export interface RunnerError extends Error {
  readonly kind: RunnerErrorKind;
  /** The runner's name in the runner map. */
  readonly runner: string;
  /** HTTP status the runner answered with (`RunnerHttpError` only). */
  readonly status?: number;
  /** Response body text, cut to 2000 characters (`RunnerHttpError`, `RunnerBadResponse`). */
  readonly body?: string;
  /** errno name of a connection failure: ECONNREFUSED, ENOENT, ECONNRESET, ... */
  readonly code?: string;
}

export function workerEnvError(
  kind: WorkerEnvErrorKind,
  message: string,
  variable?: string,
): WorkerEnvError {
  return Object.assign(new Error(message), { kind, ...(variable === undefined ? {} : { variable }) });
}

export function runnerError(
  kind: RunnerErrorKind,
  message: string,
  fields: { runner: string; status?: number; body?: string; code?: string; cause?: unknown },
): RunnerError {
  const { cause, ...rest } = fields;
  const error = new Error(message, cause === undefined ? undefined : { cause });
  return Object.assign(error, { kind }, rest);
}

const runnerKinds: ReadonlySet<string> = new Set<RunnerErrorKind>([
  "RunnerNotFound",
  "RunnerAddressInvalid",
  "RunnerUnavailable",
  "RunnerTimeout",
  "RunnerAborted",
  "RunnerHttpError",
  "RunnerBadResponse",
]);

/** True for errors thrown by the runner client; narrows to {@link RunnerError}. */
export function isRunnerError(error: unknown): error is RunnerError {
  if (!(error instanceof Error)) return false;
  const kind: unknown = (error as { kind?: unknown }).kind;
  return typeof kind === "string" && runnerKinds.has(kind);
}
