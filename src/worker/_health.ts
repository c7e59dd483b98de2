/**
 * The health routes of `serve()`: `GET /livez` and `GET /healthz` answer 200
 * while the worker serves, `GET /readyz` answers 200 when it serves, is not
 * draining, and every runner in its runner map answers (503 naming the first
 * that does not). The user's app gets each request first: only its 404 on one
 * of these paths falls back to the built-in answer, so an app's own route wins.
 *
 * A runner counts as answering when it gives any HTTP answer below 500 to
 * `GET /livez` (a foreign runner's 404 too: it is serving). The result is
 * cached for {@link READY_CACHE_MS}, and concurrent probes share one check.
 */
import { getRunnerMap } from "./_env.ts";
import { createRunnerClient, type RunnerClient } from "./_runner-client.ts";
import type { FetchHandler } from "./_serve-types.ts";
import { requestPath } from "./_path.ts";

type Env = Readonly<Record<string, string | undefined>>;

export const HEALTH_PATHS: readonly string[] = ["/livez", "/readyz", "/healthz"];
/** How long a runner check's result stands. */
export const READY_CACHE_MS = 1_000;
/** Seconds one runner may take to answer the check. */
const CHECK_TIMEOUT_S = 2;

export interface HealthOptions {
  /** True once the worker stops: /readyz answers 503 so that no new traffic comes. */
  readonly draining: () => boolean;
  readonly env?: Env;
}

/** `handler` with the health routes behind it. */
export function withHealth(handler: FetchHandler, options: HealthOptions): FetchHandler {
  const runners = runnersCheck(options.env ?? process.env);
  // Not an async function: a request that is not a health probe costs no extra promise.
  return (request) => {
    const path = requestPath(request);
    if (!HEALTH_PATHS.includes(path) || (request.method !== "GET" && request.method !== "HEAD")) {
      return handler(request);
    }
    return probe(request, path);
  };

  async function probe(request: Request, path: string): Promise<Response> {
    const own = await handler(request);
    if (own.status !== 404) return own;
    await own.body?.cancel();
    if (path !== "/readyz") return answer(200, "ok");
    if (options.draining()) return answer(503, "draining: this worker is stopping");
    const problem = await runners();
    return problem === undefined ? answer(200, "ok") : answer(503, problem);
  }
}

function answer(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** A check of every runner in the map: undefined when all answer, else what failed; cached briefly. */
function runnersCheck(env: Env): () => Promise<string | undefined> {
  let client: RunnerClient | undefined;
  let cached: { at: number; result: Promise<string | undefined> } | undefined;
  const one = async (name: string): Promise<string | undefined> => {
    try {
      const res = await client!.request(name, "/livez", { method: "GET", idempotent: true });
      return res.status < 500 ? undefined : `runner "${name}" answered ${res.status}`;
    } catch (error) {
      return `runner "${name}" does not answer: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const check = async (): Promise<string | undefined> => {
    try {
      client ??= createRunnerClient(getRunnerMap(env), { timeout: CHECK_TIMEOUT_S });
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return (await Promise.all(client.runners.map(one))).find((r) => r !== undefined);
  };
  return () => {
    // A check under way is shared; a finished one stands for READY_CACHE_MS.
    if (cached === undefined || performance.now() - cached.at > READY_CACHE_MS) {
      const entry = { at: Infinity, result: check() };
      void entry.result.then(() => (entry.at = performance.now()));
      cached = entry;
    }
    return cached.result;
  };
}
