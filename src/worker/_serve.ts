/**
 * Serve a Web-standard fetch handler on an inherited listening socket, with
 * the supervisor's timeouts and a graceful stop on SIGTERM/SIGINT.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { getRequestListener } from "@hono/node-server";
import { workerEnvError } from "./_errors.ts";
import { getSocketFd, reusePortTarget } from "./_fds.ts";
import { workerOptions } from "./_env.ts";
import { trackConnections } from "./_drain.ts";
import { withHealth } from "./_health.ts";
import { withMetrics } from "./_metrics.ts";
import { assertNode, foreignRuntime } from "./_runtime.ts";
import { serveNative } from "./_serve-native.ts";
import { WORKER_HEADER } from "./_runner-pool.ts";
import { TIMER_MAX_MS } from "../timer.ts";
import { servingHandle } from "./_stop-signals.ts";
import { tlsServerOptions } from "./_tls.ts";
import { accessLogEnabled, logWhenSent } from "./_access-log.ts";
import type { FetchHandler, ServeHandle, ServeOptions } from "./_serve-types.ts";

export type { FetchHandler, ServeHandle, ServeOptions } from "./_serve-types.ts";

/**
 * Serves `fetchHandler` on the inherited socket (see {@link ServeOptions}).
 * On Bun and Deno, which cannot adopt an fd, on the host:port the supervisor
 * reserved for the pool, with SO_REUSEPORT (`BENTO_REUSEPORT_SOCKETS`); there
 * it rejects with a `RuntimeUnsupported` error when only an fd was passed.
 * `GET /livez`, `/readyz` and `/healthz` are answered when the app answers
 * them 404 (_health.ts, docs/worker-contract.md).
 */
export async function serve(fetchHandler: FetchHandler, options: ServeOptions = {}): Promise<ServeHandle> {
  if (foreignRuntime() !== undefined) {
    const target = options.fd === undefined ? reusePortTarget(options.socket) : undefined;
    if (target === undefined) assertNode();
    else return serveNative(fetchHandler, target, options);
  }
  const settings = workerOptions();
  const fd = options.fd ?? getSocketFd(options.socket);
  let closing: Promise<void> | undefined;
  const served = withHealth(fetchHandler, { draining: () => closing !== undefined });
  const listener = getRequestListener(await withMetrics(served));

  // HTTPS when the supervisor configured TLS (BENTO_SSL_CERTFILE); an access log line per request on API workers.
  const tls = tlsServerOptions();
  const accessLog = accessLogEnabled();
  const pid = String(process.pid);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (accessLog) logWhenSent(req, res, tls ? "https" : "http", performance.now());
    connections.request(req, res);
    // Names the worker that answered: the runner client spreads calls over workers with it.
    res.setHeader(WORKER_HEADER, pid);
    void listener(req, res);
  };
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  const connections = trackConnections(server);
  server.keepAliveTimeout = Math.min(settings.keepAliveTimeout * 1000, TIMER_MAX_MS);
  server.requestTimeout = Math.min(settings.timeout * 1000, TIMER_MAX_MS);
  server.headersTimeout = settings.timeout > 0 ? Math.min(60_000, settings.timeout * 1000) : 60_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const message = `Cannot listen on fd ${fd} (${error.code ?? error.message}): it must be an inherited ` +
        "listening TCP or Unix socket, as bento-kit passes to its workers";
      reject(workerEnvError("WorkerEnvInvalid", message, "LISTEN_FDS"));
    };
    server.once("error", onError);
    // Node ignores `backlog` inside the options object when listening on an fd
    // (it would listen(2) again with 511): only the positional argument counts.
    server.listen({ fd }, settings.backlog, () => {
      server.off("error", onError);
      resolve();
    });
  });

  function close(): Promise<void> {
    closing ??= connections.drain();
    return closing;
  }

  return servingHandle({
    fd,
    close,
    closing: () => closing !== undefined,
    inFlight: () => connections.inFlight(),
    graceSeconds: settings.gracefulShutdownTimeout,
  }, options);
}
