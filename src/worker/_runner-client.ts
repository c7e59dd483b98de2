/**
 * A client for the runners in the runner map: HTTP on each runner's Unix or
 * TCP socket, calls spread over the runner's workers (see _runner-pool.ts),
 * every call with a deadline, an optional AbortSignal, and a resend only when
 * that cannot run the work twice.
 */
import { parseRunnerAddress, type RunnerTarget } from "./_address.ts";
import { getRunnerMap, workerOptions } from "./_env.ts";
import { type RunnerError, runnerError } from "./_errors.ts";
import {
  type Answer,
  attempt,
  diedBeforeAnswer,
  type Exchange,
  type Failure,
  neverReached,
} from "./_runner-attempt.ts";
import { type ConnectionPool, createConnectionPool, WORKER_HEADER } from "./_runner-pool.ts";

export interface RunnerClientOptions {
  /** Seconds a call may take, answer included (default `BENTO_TIMEOUT`, else 60; 0: no deadline). */
  readonly timeout?: number;
}

export interface RunnerCallOptions {
  /** HTTP method (default `POST`). */
  readonly method?: string;
  /** Request headers; `content-length` is set from the body. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Seconds this call may take (default: the client's timeout; 0: no deadline). */
  readonly timeout?: number;
  /** Aborting it ends the call with a `RunnerAborted` error. */
  readonly signal?: AbortSignal;
  /**
   * The call may run twice, so it is resent once on a fresh connection when
   * its connection dies before any answer (default: true for GET, HEAD, PUT,
   * DELETE, OPTIONS). Other calls are resent only when they provably never
   * reached a worker (the connection could not be made).
   */
  readonly idempotent?: boolean;
}

export interface RunnerRequestOptions extends RunnerCallOptions {
  /** Raw request body. */
  readonly body?: Uint8Array | string;
}

/** A runner's answer, whatever its status. */
export interface RunnerResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
  text(): string;
}

export interface RunnerClient {
  /** Runner names in the map. */
  readonly runners: readonly string[];
  /**
   * Sends `body` as JSON (`POST` unless `options.method` says otherwise; no
   * body when `body` is undefined) and resolves with the parsed JSON answer
   * (`null` for an empty one). Rejects with a {@link RunnerError}, including
   * for a non-2xx answer (`RunnerHttpError`).
   */
  call(runner: string, path: string, body?: unknown, options?: RunnerCallOptions): Promise<unknown>;
  /** Sends a raw request; resolves with the answer whatever its status. Rejects with a {@link RunnerError}. */
  request(runner: string, path: string, options?: RunnerRequestOptions): Promise<RunnerResponse>;
  /** Closes the pooled connections. */
  close(): void;
}

interface Runner {
  readonly name: string;
  readonly address: string;
  readonly target: RunnerTarget;
  readonly pool: ConnectionPool;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
// One of each per process: a TextEncoder/TextDecoder made per call showed in the API worker's profile.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array();
const JSON_HEADERS: Readonly<Record<string, string>> = { accept: "application/json" };
const JSON_BODY_HEADERS: Readonly<Record<string, string>> = {
  accept: "application/json",
  "content-type": "application/json",
};

/** Creates a client for `map` (default: `BENTO_RUNNER_MAP`). Throws `RunnerAddressInvalid`. */
export function createRunnerClient(
  map: Readonly<Record<string, string>> = getRunnerMap(),
  options: RunnerClientOptions = {},
): RunnerClient {
  const settings = workerOptions();
  const timeout = options.timeout ?? settings.timeout;
  // Idle connections close before the runner's keep-alive timeout can close them under a request.
  const idleMs = Math.max(500, settings.keepAliveTimeout * 1000 - 1000);
  const runners = new Map<string, Runner>();
  for (const [name, address] of Object.entries(map)) {
    const target = parseRunnerAddress(address);
    if (typeof target === "string") {
      throw runnerError("RunnerAddressInvalid", `Runner "${name}" has a bad address: ${target}`, { runner: name });
    }
    runners.set(name, { name, address, target, pool: createConnectionPool(idleMs) });
  }

  function find(name: string): Runner {
    const runner = runners.get(name);
    if (runner !== undefined) return runner;
    const known = [...runners.keys()].map((n) => `"${n}"`).join(", ") || "none";
    throw runnerError("RunnerNotFound", `No runner named "${name}" in the runner map; available: ${known}`, {
      runner: name,
    });
  }

  async function request(name: string, path: string, opts: RunnerRequestOptions = {}): Promise<RunnerResponse> {
    const runner = find(name);
    const method = opts.method === undefined ? "POST" : opts.method.toUpperCase();
    const body = typeof opts.body === "string" ? encoder.encode(opts.body) : opts.body ?? EMPTY;
    const exchange: Exchange = {
      method,
      path,
      body,
      headers: opts.headers ?? {},
      timeoutMs: (opts.timeout ?? timeout) * 1000,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    };
    const answer = await send(runner, exchange, opts.idempotent ?? IDEMPOTENT.has(method));
    return {
      status: answer.status,
      headers: answer.headers,
      body: answer.body,
      text: () => decoder.decode(answer.body),
    };
  }

  async function call(name: string, path: string, body?: unknown, opts: RunnerCallOptions = {}): Promise<unknown> {
    const headers = body === undefined ? JSON_HEADERS : JSON_BODY_HEADERS;
    const answer = await request(name, path, {
      ...opts,
      headers: opts.headers === undefined ? headers : { ...headers, ...opts.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) ?? "null" }),
    });
    return decode(name, opts.method, path, answer);
  }

  return {
    runners: [...runners.keys()],
    call,
    request,
    close: () => {
      for (const runner of runners.values()) runner.pool.close();
    },
  };
}

/**
 * One attempt; a second one on a fresh connection only when the first
 * provably never reached a worker, or when it may run twice and its
 * connection died before any answer. Never once an answer has started.
 */
async function send(runner: Runner, exchange: Exchange, idempotent: boolean): Promise<Answer> {
  const once = async (fresh: boolean): Promise<Answer> => {
    const connection = fresh ? runner.pool.acquireFresh() : runner.pool.acquire();
    try {
      const answer = await attempt(runner.target, connection.agent, exchange);
      const named = answer.headers[WORKER_HEADER];
      runner.pool.release(connection, { ok: true, ...(typeof named === "string" ? { worker: named } : {}) });
      return answer;
    } catch (thrown) {
      runner.pool.release(connection, { ok: false });
      throw thrown;
    }
  };
  try {
    return await once(false);
  } catch (thrown) {
    const failure = thrown as Failure;
    if (!neverReached(failure) && !(idempotent && diedBeforeAnswer(failure))) {
      throw toRunnerError(runner, failure, exchange);
    }
    try {
      return await once(true);
    } catch (again) {
      throw toRunnerError(runner, again as Failure, exchange);
    }
  }
}

function toRunnerError(runner: Runner, failure: Failure, exchange: Exchange): RunnerError {
  const where = `Runner "${runner.name}" at ${runner.address}`;
  const code = failure.error.code;
  const fields = { runner: runner.name, ...(code === undefined ? {} : { code }) };
  if (failure.aborted) {
    return runnerError("RunnerAborted", `${where}: the call ${exchange.method} ${exchange.path} was aborted`, fields);
  }
  if (failure.timedOut) {
    return runnerError(
      "RunnerTimeout",
      `${where} did not answer ${exchange.method} ${exchange.path} within ` +
        `${exchange.timeoutMs / 1000}s: pass a longer timeout, or check the runner`,
      fields,
    );
  }
  const what = failure.responseStarted ? "dropped the connection while answering" : "is unavailable";
  return runnerError("RunnerUnavailable", `${where} ${what} (${code ?? failure.error.message}): is its pool running?`, {
    ...fields,
    cause: failure.error,
  });
}

function decode(runner: string, method: string | undefined, path: string, answer: RunnerResponse): unknown {
  const text = answer.text();
  const what = (): string => `${(method ?? "POST").toUpperCase()} ${path}`;
  if (answer.status < 200 || answer.status > 299) {
    const body = text.slice(0, 2000);
    const message = `Runner "${runner}" answered ${answer.status} to ${what()}: ${body}`;
    throw runnerError("RunnerHttpError", message, { runner, status: answer.status, body });
  }
  try {
    return JSON.parse(text);
  } catch {
    if (text.trim() === "") return null;
    const body = text.slice(0, 2000);
    const message = `Runner "${runner}" answered ${what()} with a body that is not JSON: ${body}`;
    throw runnerError("RunnerBadResponse", message, { runner, status: answer.status, body });
  }
}
