/** The read-only routes: the service, its pools and their workers. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { PoolView, WorkerView } from "../core/control.ts";
import type { ProcessStats } from "../core/ports.ts";
import { sendControlError } from "./_errors.ts";
import { redact, type Writable } from "./_redact.ts";
import { ErrorSchema, PoolParamsSchema, PoolSchema, PoolsSchema, ServiceSchema } from "./_schemas.ts";
import type { AdminContext } from "./_context.ts";
import { poolNotFound } from "../core/control.ts";

const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const unauthorized = json(ErrorSchema, "Missing or wrong bearer token");

const serviceRoute = createRoute({
  method: "get",
  path: "/v1/service",
  tags: ["service"],
  summary: "The service: name, command, options, sockets, pools, uptime",
  responses: { 200: json(ServiceSchema, "The service"), 401: unauthorized },
});

const poolsRoute = createRoute({
  method: "get",
  path: "/v1/pools",
  tags: ["pools"],
  summary: "Every pool and its workers",
  responses: { 200: json(PoolsSchema, "The pools"), 401: unauthorized },
});

const poolRoute = createRoute({
  method: "get",
  path: "/v1/pools/{pool}",
  tags: ["pools"],
  summary: "One pool and its workers",
  request: { params: PoolParamsSchema },
  responses: { 200: json(PoolSchema, "The pool"), 401: unauthorized, 404: json(ErrorSchema, "No such pool") },
});

export interface PoolJson extends Omit<PoolView, "workers"> {
  readonly workers: readonly (WorkerView & { readonly uptimeMs: number | null } & Partial<ProcessStats>)[];
}

/**
 * A pool as the API shows it: uptime computed now, memory and CPU where known.
 * Redacted where its text can come from outside (the pool's own fields, an
 * exit's reason, a veto): a worker's other fields are numbers and states, and a
 * deep copy of 64 workers for nothing was a tenth of the route's CPU.
 */
export function poolJson(pool: PoolView, ctx: AdminContext): Writable<PoolJson> {
  const now = ctx.now();
  return {
    ...redact({ ...pool, workers: [] }),
    workers: pool.workers.map((w) => ({
      ...w,
      lastExit: w.lastExit && redact(w.lastExit),
      vetoed: w.vetoed && redact(w.vetoed),
      uptimeMs: w.startedAt === null || w.pid === null ? null : Math.max(0, now - w.startedAt),
      ...(w.pid === null ? {} : ctx.stats?.(w.pid)),
    })),
  };
}

export function addReadRoutes(app: OpenAPIHono, ctx: AdminContext): void {
  app.openapi(serviceRoute, (c) => {
    const info = ctx.service();
    // The workers each pool keeps now: a scale changes them, not the spec the pools were started from.
    const targets = new Map(ctx.control.pools().map((p) => [p.name, p.target]));
    const pools = info.pools.map((p) => ({ ...p, workers: targets.get(p.name) ?? 0 }));
    return c.json(
      redact({ ...info, pools, options: { ...info.options }, uptimeMs: Math.max(0, ctx.now() - info.startedAt) }),
      200,
    );
  });
  app.openapi(poolsRoute, (c) => c.json({ pools: ctx.control.pools().map((p) => poolJson(p, ctx)) }, 200));
  app.openapi(poolRoute, (c) => {
    const { pool } = c.req.valid("param");
    const pools = ctx.control.pools();
    const found = pools.find((p) => p.name === pool);
    if (!found) return sendControlError(c, poolNotFound(pool, pools.map((p) => p.name)));
    return c.json(poolJson(found, ctx), 200);
  });
}
