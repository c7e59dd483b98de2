/**
 * The admin server's Hono app: versioned JSON routes to inspect and steer a
 * running service, its events as SSE, /openapi.json generated from the route
 * definitions, and the dashboard page. Runtime-agnostic: serving it is the
 * runtime adapter's job (`RuntimePort.serveHttp`), process stats come in as a
 * function.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ServiceControl } from "../core/control.ts";
import type { ProcessStats } from "../core/ports.ts";
import type { SeriesStore } from "../core/series.ts";
import { bearerAuth } from "./_auth.ts";
import type { AdminContext } from "./_context.ts";
import { errorBody } from "./_errors.ts";
import { createEventLog, type EventLog } from "./_event-log.ts";
import { addControlRoutes } from "./_routes-control.ts";
import { addEventRoutes } from "./_routes-events.ts";
import { addReadRoutes } from "./_routes-read.ts";
import { addSeriesRoutes } from "./_routes-series.ts";
import { createEventStreams } from "./_sse.ts";
import type { ServiceInfo } from "./service-info.ts";

export interface AdminAppOptions {
  readonly control: ServiceControl;
  readonly service: () => ServiceInfo;
  readonly token: string;
  readonly stats?: (pid: number) => ProcessStats | undefined;
  /** Events kept for clients that reconnect with Last-Event-ID (default 1000). */
  readonly eventBuffer?: number;
  /** Events a slow client may have queued before it is disconnected (default 1024). */
  readonly clientQueue?: number;
  readonly maxEventClients?: number;
  readonly heartbeatMs?: number;
  readonly now?: () => number;
  /** An event log the caller already fills (the admin server starts one before it loads this app); by default the app makes one and listens itself. */
  readonly log?: EventLog;
  /** The charts' time series (GET /v1/series); absent, those routes answer 404. */
  readonly series?: SeriesStore;
}

export interface AdminApp {
  readonly app: OpenAPIHono;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Stop listening to the supervisor and end every event stream. */
  close(): void;
}

/** Bodies above this get 413: control requests are a few bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

const UNCHANGED = "; nothing was changed";

const OPEN_PATHS = new Set(["/healthz", "/"]);

export function createAdminApp(options: AdminAppOptions): AdminApp {
  const now = options.now ?? Date.now;
  const log = options.log ?? createEventLog(options.eventBuffer ?? 1000, now);
  const unsubscribe = options.log ? () => {} : options.control.on((event) => void log.append(event));
  const streams = createEventStreams(log, {
    queueLimit: options.clientQueue ?? 1024,
    maxClients: options.maxEventClients ?? 32,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  });
  const ctx: AdminContext = {
    control: options.control,
    service: options.service,
    stats: options.stats,
    now,
    log,
    streams,
    series: options.series,
  };

  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const message = result.error.issues.map((i) => {
        const path = i.path.join(".");
        return path === "" || i.message.startsWith(path) ? i.message : `${path}: ${i.message}`;
      }).join("; ");
      return c.json(errorBody("BadRequest", `${message}${UNCHANGED}`), 400);
    },
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status;
      const message = status === 415
        ? "The body must be JSON: send Content-Type: application/json"
        : status === 400
        ? "The body is not valid JSON"
        : error.message;
      return c.json(
        errorBody(status === 415 ? "UnsupportedMediaType" : "BadRequest", `${message}${UNCHANGED}`),
        status,
      );
    }
    return c.json(errorBody("InternalError", `The admin server failed: ${String(error)}`), 500);
  });
  app.notFound((c) => c.json(errorBody("NotFound", `No route ${c.req.method} ${c.req.path}: see /openapi.json`), 404));
  app.use("*", bearerAuth(options.token, (path) => OPEN_PATHS.has(path)));
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(errorBody("PayloadTooLarge", `The body is over ${MAX_BODY_BYTES / 1024} KiB${UNCHANGED}`), 413),
    }),
  );
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  addReadRoutes(app, ctx);
  addControlRoutes(app, ctx);
  addEventRoutes(app, ctx);
  const closeSeries = addSeriesRoutes(app, ctx, options.maxEventClients ?? 32);
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: { title: "bento-kit admin API", version: "1", description: "Inspect and steer a running bento-kit service" },
    security: [{ bearer: [] }],
  });
  return {
    app,
    fetch: (request) => app.fetch(request),
    close() {
      unsubscribe();
      streams.closeAll();
      closeSeries();
    },
  };
}
