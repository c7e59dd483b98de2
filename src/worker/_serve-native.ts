/**
 * `serve()` on Bun and Deno, whose servers cannot adopt an inherited fd: the
 * worker listens itself on the host:port the supervisor reserved
 * (`BENTO_REUSEPORT_SOCKETS`), with SO_REUSEPORT, so the kernel spreads
 * connections over the pool's workers. Same contract as on Node: metrics,
 * `x-bento-worker-pid`, the access log, HTTPS, READY=1 once listening, and a
 * graceful stop on SIGTERM/SIGINT within `BENTO_TIMEOUT_GRACEFUL_SHUTDOWN`.
 *
 * The stop drains as on Node (_drain.ts), as far as Bun.serve and Deno.serve
 * let it: for DRAIN_IDLE_MS every answer carries `connection: close` (clients
 * leave a kept-alive connection after their current request instead of
 * racing its close), then the server stops: no new connection, in-flight
 * requests finish. Its listener's accept queue goes to the pool's other
 * workers only with net.ipv4.tcp_migrate_req=1 (else those connections are
 * reset): docs/worker-runtimes.md.
 */
import { accessLogEnabled, logFetchExchange } from "./_access-log.ts";
import { workerLog } from "./_log.ts";
import { DRAIN_IDLE_MS } from "./_drain.ts";
import { workerOptions } from "./_env.ts";
import { workerEnvError } from "./_errors.ts";
import { withHealth } from "./_health.ts";
import { withMetrics } from "./_metrics.ts";
import { WORKER_HEADER } from "./_runner-pool.ts";
import { type NativeTls, nativeTls } from "./_tls.ts";
import type { FetchHandler, ServeHandle, ServeOptions } from "./_serve-types.ts";
import { servingHandle } from "./_stop-signals.ts";
import type { RunnerTarget } from "./_address.ts";

type Remote = { address?: string; port?: number };
/** `remote` is asked for only when the access log is on (Bun's requestIP was 13% of a worker's JS time). */
type Handler = (request: Request, remote: () => Remote) => Promise<Response>;

interface NativeServer {
  /** Stop accepting, let in-flight requests finish, close the connections. */
  stop(): Promise<void>;
}

interface Listen {
  readonly host: string;
  readonly port: number;
  readonly tls: NativeTls | undefined;
  /** Seconds a connection may stay idle (Bun's idleTimeout, at most 255; 0: none). */
  readonly idleSeconds: number;
  /** The listen backlog (Deno's tcpBacklog; Bun has no setting for it). */
  readonly backlog: number;
}

export async function serveNative(
  fetchHandler: FetchHandler,
  target: Extract<RunnerTarget, { host: string }>,
  options: ServeOptions,
): Promise<ServeHandle> {
  const settings = workerOptions();
  let inFlight = 0;
  let draining = false;
  const handler = await withMetrics(withHealth(fetchHandler, { draining: () => draining }));
  const tls = nativeTls();
  const accessLog = accessLogEnabled();
  const log = workerLog();
  const pid = String(process.pid);

  const handle: Handler = async (request, remote) => {
    const started = performance.now();
    inFlight += 1;
    try {
      const response = named(await handler(request), pid, draining);
      if (accessLog) {
        logFetchExchange(log, remote(), request, response, tls ? "https" : "http", performance.now() - started);
      }
      return response;
    } finally {
      inFlight -= 1;
    }
  };
  const listen: Listen = {
    host: target.host,
    port: target.port,
    tls,
    idleSeconds: Math.min(255, settings.timeout),
    backlog: settings.backlog,
  };
  let server: NativeServer;
  try {
    server = "Deno" in globalThis ? listenDeno(listen, handle) : listenBun(listen, handle);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw workerEnvError(
      "WorkerEnvInvalid",
      `Cannot listen on ${target.host}:${target.port} with SO_REUSEPORT (${why}): ` +
        "the supervisor reserves this port for the pool's workers; start the worker with bento-kit",
      "BENTO_REUSEPORT_SOCKETS",
    );
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= (async () => {
    draining = true;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_IDLE_MS));
    await server.stop();
  })());

  return servingHandle({
    fd: -1,
    close,
    closing: () => closing !== undefined,
    inFlight: () => inFlight,
    graceSeconds: settings.gracefulShutdownTimeout,
  }, options);
}

/** The answer with `x-bento-worker-pid` (and `connection: close` while draining); copied when its headers are immutable. */
function named(response: Response, pid: string, draining: boolean): Response {
  const set = (r: Response): Response => {
    r.headers.set(WORKER_HEADER, pid);
    if (draining) r.headers.set("connection", "close");
    return r;
  };
  try {
    return set(response);
  } catch {
    return set(new Response(response.body, response));
  }
}

interface BunServeOptions {
  hostname: string;
  port: number;
  reusePort: boolean;
  idleTimeout: number;
  tls?: { cert: string; key: string; ca?: string; requestCert: boolean; rejectUnauthorized: boolean };
  fetch(
    request: Request,
    server: { requestIP(request: Request): { address: string; port: number } | null },
  ): Promise<Response>;
}

function listenBun(o: Listen, handle: Handler): NativeServer {
  const bun =
    (globalThis as unknown as { Bun: { serve(options: BunServeOptions): { stop(force?: boolean): Promise<void> } } })
      .Bun;
  const server = bun.serve({
    hostname: o.host,
    port: o.port,
    reusePort: true,
    idleTimeout: o.idleSeconds,
    ...(o.tls && {
      tls: {
        cert: o.tls.cert,
        key: o.tls.key,
        ...(o.tls.ca === undefined ? {} : { ca: o.tls.ca }),
        requestCert: o.tls.certReqs > 0,
        rejectUnauthorized: o.tls.certReqs === 2,
      },
    }),
    fetch: (request, s) => handle(request, () => s.requestIP(request) ?? {}),
  });
  return { stop: () => server.stop(false) };
}

interface DenoServe {
  serve(
    options: {
      hostname: string;
      port: number;
      reusePort: boolean;
      tcpBacklog: number;
      cert?: string;
      key?: string;
      onListen(): void;
    },
    handler: (request: Request, info: { remoteAddr: { hostname?: string; port?: number } }) => Promise<Response>,
  ): { shutdown(): Promise<void> };
}

function listenDeno(o: Listen, handle: Handler): NativeServer {
  if (o.tls && o.tls.certReqs > 0) {
    throw new Error(
      'Deno.serve cannot ask for client certificates (BENTO_SSL_CERT_REQS): run this pool with runtime "node" or "bun"',
    );
  }
  const deno = (globalThis as unknown as { Deno: DenoServe }).Deno;
  const server = deno.serve(
    {
      hostname: o.host,
      port: o.port,
      reusePort: true,
      tcpBacklog: o.backlog,
      ...(o.tls && { cert: o.tls.cert, key: o.tls.key }),
      onListen() {},
    },
    (request, info) => handle(request, () => ({ address: info.remoteAddr.hostname, port: info.remoteAddr.port })),
  );
  return { stop: () => server.shutdown() };
}
