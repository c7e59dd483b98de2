/**
 * A client for the runners in the runner map: JSON over HTTP on each runner's
 * Unix or TCP socket, one keep-alive agent per runner.
 */
import { Agent, request, type IncomingMessage } from "node:http";
import { parseRunnerAddress, type RunnerTarget } from "./_address.ts";
import { getRunnerMap, workerOptions } from "./_env.ts";
import { runnerError, type RunnerError } from "./_errors.ts";

export interface RunnerClientOptions {
  /** Seconds to wait for a runner's whole answer (default `BENTO_TIMEOUT`, else 60). */
  readonly timeout?: number;
}

export interface RunnerClient {
  /** Runner names in the map. */
  readonly runners: readonly string[];
  /**
   * POSTs `body` as JSON to `path` on `runner` and resolves with the parsed
   * JSON answer (`null` for an empty body). Rejects with a {@link RunnerError}.
   */
  call(runner: string, path: string, body: unknown): Promise<unknown>;
  /** Closes the pooled connections. */
  close(): void;
}

interface Runner {
  readonly name: string;
  readonly address: string;
  readonly target: RunnerTarget;
  readonly agent: Agent;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Why one attempt failed, and whether it may be retried. */
interface Failure {
  readonly error: NodeJS.ErrnoException;
  readonly reusedSocket: boolean;
  readonly responseStarted: boolean;
  readonly timedOut: boolean;
}

/** Creates a client for `map` (default: `BENTO_RUNNER_MAP`). Throws `RunnerAddressInvalid`. */
export function createRunnerClient(
  map: Readonly<Record<string, string>> = getRunnerMap(),
  options: RunnerClientOptions = {},
): RunnerClient {
  const timeoutMs = (options.timeout ?? workerOptions().timeout) * 1000;
  const runners = new Map<string, Runner>();
  for (const [name, address] of Object.entries(map)) {
    const target = parseRunnerAddress(address);
    if (typeof target === "string") {
      throw runnerError("RunnerAddressInvalid", `Runner "${name}" has a bad address: ${target}`, { runner: name });
    }
    runners.set(name, { name, address, target, agent: new Agent({ keepAlive: true }) });
  }

  async function call(name: string, path: string, body: unknown): Promise<unknown> {
    const runner = runners.get(name);
    if (runner === undefined) {
      const known = [...runners.keys()].map((n) => `"${n}"`).join(", ") || "none";
      throw runnerError("RunnerNotFound", `No runner named "${name}" in the runner map; available: ${known}`, {
        runner: name,
      });
    }
    const payload = Buffer.from(JSON.stringify(body) ?? "null");
    const answer = await send(runner, path, payload, timeoutMs);
    return decode(runner, path, answer);
  }

  return {
    runners: [...runners.keys()],
    call,
    close: () => {
      for (const runner of runners.values()) runner.agent.destroy();
    },
  };
}

/**
 * One attempt on the pool; if a reused keep-alive connection turns out to be
 * dead (the runner worker behind it died) before any response byte arrived,
 * one retry on a fresh connection. Never retries once a response started.
 */
async function send(runner: Runner, path: string, payload: Buffer, timeoutMs: number): Promise<Answer> {
  try {
    return await attempt(runner, runner.agent, path, payload, timeoutMs);
  } catch (thrown) {
    const failure = thrown as Failure;
    if (!isStaleConnection(failure)) throw toRunnerError(runner, failure, timeoutMs);
    dropIdleSockets(runner.agent);
    try {
      return await attempt(runner, false, path, payload, timeoutMs);
    } catch (again) {
      throw toRunnerError(runner, again as Failure, timeoutMs);
    }
  }
}

function isStaleConnection(failure: Failure): boolean {
  const code = failure.error.code;
  return (
    failure.reusedSocket &&
    !failure.responseStarted &&
    !failure.timedOut &&
    (code === "ECONNRESET" || code === "EPIPE")
  );
}

/** The other idle connections to this runner are suspect too: drop them. */
function dropIdleSockets(agent: Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

function attempt(
  runner: Runner,
  agent: Agent | false,
  path: string,
  payload: Buffer,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let responseStarted = false;
    let timedOut = false;
    const req = request({
      ...runner.target,
      agent,
      method: "POST",
      path,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "content-length": String(payload.length),
      },
    });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
          }, timeoutMs)
        : undefined;
    const fail = (error: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject({ error, reusedSocket: req.reusedSocket, responseStarted, timedOut } satisfies Failure);
    };
    req.on("error", fail);
    req.on("response", (res: IncomingMessage) => {
      responseStarted = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.end(payload);
  });
}

function toRunnerError(runner: Runner, failure: Failure, timeoutMs: number): RunnerError {
  const where = `Runner "${runner.name}" at ${runner.address}`;
  const code = failure.error.code;
  if (failure.timedOut) {
    return runnerError("RunnerTimeout", `${where} did not answer within ${timeoutMs / 1000}s`, {
      runner: runner.name,
      ...(code === undefined ? {} : { code }),
    });
  }
  const what = failure.responseStarted ? "dropped the connection while answering" : "is unavailable";
  return runnerError("RunnerUnavailable", `${where} ${what} (${code ?? failure.error.message}): is its pool running?`, {
    runner: runner.name,
    cause: failure.error,
    ...(code === undefined ? {} : { code }),
  });
}

function decode(runner: Runner, path: string, answer: Answer): unknown {
  const body = answer.text.slice(0, 2000);
  if (answer.status < 200 || answer.status > 299) {
    const message = `Runner "${runner.name}" answered ${answer.status} to POST ${path}: ${body}`;
    throw runnerError("RunnerHttpError", message, { runner: runner.name, status: answer.status, body });
  }
  if (answer.text.trim() === "") return null;
  try {
    return JSON.parse(answer.text);
  } catch {
    const message = `Runner "${runner.name}" answered POST ${path} with a body that is not JSON: ${body}`;
    throw runnerError("RunnerBadResponse", message, { runner: runner.name, status: answer.status, body });
  }
}
