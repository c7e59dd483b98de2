/**
 * The `BENTO_*` variables the supervisor gives every worker.
 */
import { parseRunnerAddress } from "./_address.ts";
import { workerEnvError } from "./_errors.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Numeric options a worker should honour; every duration is in seconds. */
export interface WorkerOptions {
  /** Request timeout (`BENTO_TIMEOUT`, default 60). */
  readonly timeout: number;
  /** Idle keep-alive connection timeout (`BENTO_TIMEOUT_KEEP_ALIVE`, default 5). */
  readonly keepAliveTimeout: number;
  /** Time allowed to finish in-flight requests on SIGTERM (`BENTO_TIMEOUT_GRACEFUL_SHUTDOWN`, default 30). */
  readonly gracefulShutdownTimeout: number;
  /** Listen backlog (`BENTO_BACKLOG`, default 2048). */
  readonly backlog: number;
}

/**
 * This worker's id within its pool, 1..N, stable across respawns
 * (`BENTO_WORKER_ID`). A worker started by hand, without the variable, is 1.
 */
export function getWorkerId(env: Env = process.env): number {
  const raw = env.BENTO_WORKER_ID;
  if (raw === undefined || raw === "") return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_WORKER_ID must be a whole number from 1, got "${raw}"`,
      "BENTO_WORKER_ID",
    );
  }
  return Number(raw);
}

/**
 * The runner map `{ runnerName: address }` from `BENTO_RUNNER_MAP`, `{}` when
 * unset. Throws a `WorkerEnvInvalid` error naming `BENTO_RUNNER_MAP` when it is
 * not a JSON object whose values are `unix:///path` or `tcp://host:port` strings.
 */
export function getRunnerMap(env: Env = process.env): Record<string, string> {
  const raw = env.BENTO_RUNNER_MAP;
  if (raw === undefined || raw.trim() === "") return {};
  const example = ' e.g. {"iris":"unix:///tmp/bento/iris.sock"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_RUNNER_MAP is not valid JSON (${
        (error as Error).message
      }); expected an object of runner addresses,${example}`,
      "BENTO_RUNNER_MAP",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`;
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_RUNNER_MAP must be a JSON object of runner addresses, got ${got};${example}`,
      "BENTO_RUNNER_MAP",
    );
  }
  const problems: string[] = [];
  // Without a prototype: a runner may be called `__proto__` or `toString`.
  const map: Record<string, string> = Object.create(null);
  for (const [name, address] of Object.entries(parsed)) {
    if (typeof address !== "string") {
      problems.push(`runner "${name}" has a ${address === null ? "null" : typeof address}, not an address string`);
      continue;
    }
    const target = parseRunnerAddress(address);
    if (typeof target === "string") problems.push(`runner "${name}": ${target}`);
    else map[name] = address;
  }
  if (problems.length > 0) {
    throw workerEnvError("WorkerEnvInvalid", `BENTO_RUNNER_MAP is invalid: ${problems.join("; ")}`, "BENTO_RUNNER_MAP");
  }
  return map;
}

/** The numeric worker options, parsed and checked, with their defaults. */
export function workerOptions(env: Env = process.env): WorkerOptions {
  return {
    timeout: seconds(env, "BENTO_TIMEOUT", 60),
    keepAliveTimeout: seconds(env, "BENTO_TIMEOUT_KEEP_ALIVE", 5),
    gracefulShutdownTimeout: seconds(env, "BENTO_TIMEOUT_GRACEFUL_SHUTDOWN", 30),
    backlog: backlog(env),
  };
}

function seconds(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `${variable} must be a number of seconds (0 or more), got "${raw}"`,
      variable,
    );
  }
  return value;
}

function backlog(env: Env): number {
  const raw = env.BENTO_BACKLOG;
  if (raw === undefined || raw.trim() === "") return 2048;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_BACKLOG must be a whole number of pending connections (1 or more), got "${raw}"`,
      "BENTO_BACKLOG",
    );
  }
  return value;
}
