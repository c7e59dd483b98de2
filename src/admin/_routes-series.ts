/**
 * `GET /v1/series` and `GET /v1/series/stream`: the dashboard's time series
 * (request rate, 5xx rate, p50/p99 latency, memory, CPU per pool) as JSON,
 * and each new sample as Server-Sent Events. 404 with --no-admin-charts.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { SeriesStore } from "../core/series.ts";
import type { AdminContext } from "./_context.ts";
import { errorBody, sendError } from "./_errors.ts";
import { ErrorSchema, SeriesQuerySchema, SeriesSchema } from "./_schemas.ts";

const json = <T>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const off = json(ErrorSchema, "The service runs with --no-admin-charts");

const seriesRoute = createRoute({
  method: "get",
  path: "/v1/series",
  tags: ["series"],
  summary: "Per pool, one sample every 2 s for the last 15 minutes: request and 5xx rate, latency, memory, CPU",
  description:
    "Bounded by construction: at most 450 samples of 32 pools (memory per worker for 16 workers of each), whatever the service does. " +
    "`since` (epoch ms) returns only the samples after it.",
  request: { query: SeriesQuerySchema },
  responses: {
    200: json(SeriesSchema, "The time series"),
    400: json(ErrorSchema, "Bad since"),
    401: json(ErrorSchema, "Missing or wrong bearer token"),
    404: off,
  },
});

const streamRoute = createRoute({
  method: "get",
  path: "/v1/series/stream",
  tags: ["series"],
  summary: "Each new sample as a Server-Sent Event (its data: the series shape holding that one sample)",
  responses: {
    200: { content: { "text/event-stream": { schema: z.string() } }, description: "The sample stream" },
    401: json(ErrorSchema, "Missing or wrong bearer token"),
    404: off,
    503: json(ErrorSchema, "Too many stream clients"),
  },
});

const chartsOff = errorBody("ChartsOff", "No time series: the service runs with --no-admin-charts");

/** Adds the routes; the returned function ends every open sample stream. */
export function addSeriesRoutes(app: OpenAPIHono, ctx: AdminContext, maxClients: number): () => void {
  const clients = new Set<() => void>();
  app.openapi(seriesRoute, (c) => {
    if (!ctx.series) return sendError(c, 404, chartsOff);
    const since = c.req.valid("query").since;
    return c.json(ctx.series.since(since === undefined ? undefined : Number(since)), 200);
  });
  app.openapi(streamRoute, (c) => {
    if (!ctx.series) return sendError(c, 404, chartsOff);
    if (clients.size >= maxClients) {
      return sendError(c, 503, errorBody("TooManyClients", "Too many stream clients: close one and try again"));
    }
    return c.body(sampleStream(ctx.series, clients), 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    }) as never;
  });
  return () => {
    for (const end of [...clients]) end();
  };
}

/** Samples as they are recorded; a client more than 64 KiB behind is dropped (it may reconnect). */
function sampleStream(store: SeriesStore, clients: Set<() => void>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let end = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let last = Date.now();
      controller.enqueue(encoder.encode("retry: 2000\n\n"));
      const unsubscribe = store.subscribe((at) => {
        if ((controller.desiredSize ?? 0) <= 0) return end();
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(store.since(last))}\n\n`));
        last = at;
      });
      end = () => {
        if (!clients.delete(end)) return;
        unsubscribe();
        try {
          controller.close();
        } catch { /* already closed or cancelled */ }
      };
      clients.add(end);
    },
    cancel() {
      end();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk?.byteLength ?? 0 });
}
