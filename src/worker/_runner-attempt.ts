/**
 * One HTTP exchange with a runner over a given connection (node:http Agent),
 * with a deadline and an AbortSignal, and what a failure proves: whether the
 * request may have reached a runner worker, hence whether it may be resent.
 */
import { type Agent, type IncomingHttpHeaders, request } from "node:http";
import type { Socket } from "node:net";
import type { RunnerTarget } from "./_address.ts";
import { setLongTimeout } from "../timer.ts";

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Milliseconds for the whole answer; 0: no deadline. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

/** Why one attempt failed. */
export interface Failure {
  readonly error: NodeJS.ErrnoException;
  /** The request went out on a kept-alive connection that an earlier request used. */
  readonly reusedSocket: boolean;
  /** The connection was established (so the request may have been written). */
  readonly connected: boolean;
  readonly responseStarted: boolean;
  readonly timedOut: boolean;
  readonly aborted: boolean;
}

/** Errors of connect(2) itself: the connection never existed, so no worker saw a byte. */
const CONNECT_ERRORS: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOENT", "EAGAIN", "EADDRNOTAVAIL"]);

/**
 * Whether the request provably never reached a runner worker: the connection
 * could not be made. A kept-alive connection that dies after the request was
 * written proves nothing: the worker may have read the request and died
 * handling it (resending it would kill a second worker and run the work twice).
 */
export function neverReached(failure: Failure): boolean {
  const code = failure.error.code ?? "";
  return !failure.connected && !failure.aborted && !failure.timedOut && CONNECT_ERRORS.has(code);
}

/**
 * The connection died before any answer (the worker behind it died, or a
 * kept-alive connection went stale): one more try on a fresh connection is
 * worth it for a request that may safely run twice (an idempotent method, or
 * a call marked `idempotent`), never for others.
 */
export function diedBeforeAnswer(failure: Failure): boolean {
  const code = failure.error.code;
  return failure.connected && !failure.responseStarted && !failure.timedOut && !failure.aborted &&
    (code === "ECONNRESET" || code === "EPIPE");
}

export function attempt(target: RunnerTarget, agent: Agent, exchange: Exchange): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let responseStarted = false;
    let timedOut = false;
    let aborted = false;
    let connected = false;
    const req = request({
      ...target,
      agent,
      method: exchange.method,
      path: exchange.path,
      headers: { ...exchange.headers, "content-length": String(exchange.body.length) },
    });
    req.on("socket", (socket: Socket) => {
      // A reused socket is connected already; a new one once it says so.
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    const timer = exchange.timeoutMs > 0
      ? setLongTimeout(() => {
        timedOut = true;
        req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
      }, exchange.timeoutMs)
      : undefined;
    const onAbort = (): void => {
      aborted = true;
      req.destroy(Object.assign(new Error("aborted"), { code: "ABORT_ERR" }));
    };
    const settle = (): void => {
      timer?.cancel();
      exchange.signal?.removeEventListener("abort", onAbort);
    };
    const fail = (error: NodeJS.ErrnoException): void => {
      settle();
      reject(
        { error, reusedSocket: req.reusedSocket, connected, responseStarted, timedOut, aborted } satisfies Failure,
      );
    };
    req.on("error", fail);
    req.on("response", (res) => {
      responseStarted = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        settle();
        // A plain Uint8Array of its own (not a view into Node's buffer pool); one chunk, the usual answer, is not concatenated first.
        const body = new Uint8Array(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    if (exchange.signal?.aborted) return onAbort();
    exchange.signal?.addEventListener("abort", onAbort, { once: true });
    req.end(exchange.body);
  });
}
