/**
 * The API server's HTTP routes: `POST /classify` checks the rows and asks the
 * "iris" runner. Every answer names the worker's pid in `x-bento-worker-pid`;
 * `GET /livez`, `/readyz` and `/healthz` come with bento-kit/worker's serve().
 */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isRunnerError, type RunnerClient, type RunnerErrorKind } from "bento-kit/worker";
import { parseRows } from "./_validate.ts";

/** How each runner failure is answered. */
const STATUS: { readonly [K in RunnerErrorKind]: ContentfulStatusCode } = {
  RunnerNotFound: 500,
  RunnerAddressInvalid: 500,
  RunnerUnavailable: 503,
  RunnerTimeout: 504,
  RunnerAborted: 503,
  RunnerHttpError: 502,
  RunnerBadResponse: 502,
};

export function createApiApp(runners: Pick<RunnerClient, "call">, pid: number = process.pid): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header("x-bento-worker-pid", String(pid));
  });
  app.post("/classify", async (c) => {
    const parsed = parseRows(await c.req.text());
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    try {
      // A prediction may safely run twice: resent once if a runner worker dies under it.
      return c.json(await runners.call("iris", "/predict", parsed.rows, { idempotent: true }));
    } catch (error) {
      if (!isRunnerError(error)) throw error;
      return c.json({ error: `Cannot classify: ${error.message}` }, STATUS[error.kind]);
    }
  });
  return app;
}
