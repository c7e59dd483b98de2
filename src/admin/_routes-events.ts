/** `GET /v1/events`: the supervisor's events as Server-Sent Events, and the open routes. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AdminContext } from "./_context.ts";
import { errorBody, sendError } from "./_errors.ts";
import { DASHBOARD_HTML } from "./dashboard.ts";
import { ErrorSchema, EventsHeadersSchema, HealthSchema } from "./_schemas.ts";

const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/events",
  tags: ["events"],
  summary:
    "Everything the supervisor does, as Server-Sent Events (spawn, ready, exit, respawn, give-up, scale, restart, reload, stop)",
  description:
    "Each event has an increasing `id`; its `data` is the event as JSON with `id`, `at` (epoch ms) and `type`. " +
    "A client that reconnects with `Last-Event-ID` first gets the buffered events after that id. " +
    "A client that falls too far behind is disconnected (it may reconnect). Comment lines every 15 s keep the stream open.",
  request: { headers: EventsHeadersSchema },
  responses: {
    200: { content: { "text/event-stream": { schema: z.string() } }, description: "The event stream" },
    400: json(ErrorSchema, "Bad Last-Event-ID"),
    401: json(ErrorSchema, "Missing or wrong bearer token"),
    503: json(ErrorSchema, "Too many event-stream clients"),
  },
});

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["service"],
  summary: "Liveness of the admin server (no auth)",
  security: [],
  responses: { 200: json(HealthSchema, "Alive") },
});

const dashboardRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["dashboard"],
  security: [],
  summary: "The dashboard page (no auth, holds no data: it asks for the token and calls the routes above)",
  responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "The dashboard" } },
});

export function addEventRoutes(app: OpenAPIHono, ctx: AdminContext): void {
  app.openapi(eventsRoute, (c) => {
    const last = c.req.valid("header")["last-event-id"];
    const stream = ctx.streams.open(last === undefined ? undefined : Number(last));
    if (!stream) {
      return sendError(c, 503, errorBody("TooManyClients", "Too many event-stream clients: close one and try again"));
    }
    return c.body(stream, 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    }) as never;
  });
  app.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
  app.openapi(dashboardRoute, (c) =>
    c.html(DASHBOARD_HTML, 200, {
      "Content-Security-Policy":
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      "X-Frame-Options": "DENY",
    }));
}
