/**
 * The routes that steer the service: scale, rolling restart, restart one
 * worker, reload (the TLS files read again, every pool rolled onto them), stop. The request is validated before the control port is called,
 * so a bad request leaves the service as it was.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { err, type Result } from "neverthrow";
import { type ControlError, type PoolView, upgradeFailed } from "../core/control.ts";
import type { AdminContext } from "./_context.ts";
import { sendControlError } from "./_errors.ts";
import { poolJson } from "./_routes-read.ts";
import {
  ErrorSchema,
  PoolParamsSchema,
  PoolSchema,
  ReloadedSchema,
  ScaleBodySchema,
  StopSchema,
  UpgradedSchema,
  WorkerParamsSchema,
} from "./_schemas.ts";

const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });

const failures = {
  400: json(ErrorSchema, "Bad request (the service is unchanged)"),
  401: json(ErrorSchema, "Missing or wrong bearer token"),
  403: json(ErrorSchema, "A plugin vetoed the request"),
  404: json(ErrorSchema, "No such pool or worker"),
  409: json(ErrorSchema, "The pool is busy with another operation, or is a singleton asked for more than 1 worker"),
  413: json(ErrorSchema, "Body over 64 KiB"),
  415: json(ErrorSchema, "Body is not JSON"),
  500: json(ErrorSchema, "The operation failed (a new worker did not become ready, a plugin failed)"),
  503: json(ErrorSchema, "The service is stopping"),
} as const;

const scaleRoute = createRoute({
  method: "post",
  path: "/v1/pools/{pool}/scale",
  tags: ["pools"],
  summary: "Resize a pool; answers once new workers are ready or removed ones are gone",
  request: {
    params: PoolParamsSchema,
    body: { required: true, content: { "application/json": { schema: ScaleBodySchema } } },
  },
  responses: { 200: json(PoolSchema, "The pool after scaling"), ...failures },
});

const restartRoute = createRoute({
  method: "post",
  path: "/v1/pools/{pool}/restart",
  tags: ["pools"],
  summary: "Rolling restart: each replacement ready before its old worker stops, one at a time",
  request: { params: PoolParamsSchema },
  responses: { 200: json(PoolSchema, "The pool after the restart"), ...failures },
});

const restartWorkerRoute = createRoute({
  method: "post",
  path: "/v1/pools/{pool}/workers/{id}/restart",
  tags: ["pools"],
  summary: "Replace one worker (the replacement is ready before the old one stops)",
  request: { params: WorkerParamsSchema },
  responses: { 200: json(PoolSchema, "The pool after the restart"), ...failures },
});

const reloadRoute = createRoute({
  method: "post",
  path: "/v1/reload",
  tags: ["service"],
  summary: "Read the TLS certificate, key and password file again, check them, then roll every pool onto them " +
    "(runners first); answers once every worker was replaced",
  responses: {
    200: json(ReloadedSchema, "Every worker was replaced"),
    ...failures,
    422: json(
      ErrorSchema,
      "The certificate or key on disk fails its check: nothing changed, the old one keeps serving",
    ),
  },
});

const stopRoute = createRoute({
  method: "post",
  path: "/v1/stop",
  tags: ["service"],
  summary: "Begin a graceful stop of the whole service",
  responses: { 202: json(StopSchema, "The stop has begun"), ...failures },
});

const upgradeRoute = createRoute({
  method: "post",
  path: "/v1/upgrade",
  tags: ["service"],
  summary: "Hot upgrade: a new supervisor takes over every socket; answers once it is ready (this one then drains)",
  responses: { 200: json(UpgradedSchema, "The new supervisor is ready; this one drains and exits"), ...failures },
});

export function addControlRoutes(app: OpenAPIHono, ctx: AdminContext): void {
  const answer = (c: Context, r: Result<PoolView, ControlError>) =>
    r.match((pool) => c.json(poolJson(pool, ctx), 200), (error) => sendControlError(c, error));
  app.openapi(
    scaleRoute,
    async (c) => answer(c, await ctx.control.scale(c.req.valid("param").pool, c.req.valid("json").workers)),
  );
  app.openapi(restartRoute, async (c) => answer(c, await ctx.control.restart(c.req.valid("param").pool)));
  app.openapi(restartWorkerRoute, async (c) => {
    const { pool, id } = c.req.valid("param");
    return answer(c, await ctx.control.restartWorker(pool, id));
  });
  app.openapi(upgradeRoute, async (c) => {
    const r = ctx.control.upgrade ? await ctx.control.upgrade() : err(upgradeFailed("this service cannot upgrade"));
    return r.isErr() ? sendControlError(c, r.error) : c.json({ pid: r.value.pid }, 200);
  });
  app.openapi(reloadRoute, async (c) => {
    const r = await ctx.control.reloadService();
    if (r.isErr()) return sendControlError(c, r.error);
    return c.json({ pools: r.value.pools.map((p) => poolJson(p, ctx)), certificate: r.value.certificate }, 200);
  });
  app.openapi(stopRoute, async (c) => {
    const r = await ctx.control.stop();
    return r.isErr() ? sendControlError(c, r.error) : c.json({ stopping: true as const }, 202);
  });
}
