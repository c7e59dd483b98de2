/**
 * gRPC workers: serve a `@grpc/grpc-js` Server on the socket the supervisor
 * holds. grpc-js cannot listen on an fd, but since 1.10 it takes connections
 * from anywhere through `Server.createConnectionInjector()` (gRFC L114): a
 * `net.Server` listening on the inherited fd hands each connection to it.
 *
 * TLS when the supervisor configured it (the bento:tls plugin's
 * `BENTO_SSL_CERTFILE`, `BENTO_SSL_KEYFILE`, `BENTO_SSL_CA_CERTS`,
 * `BENTO_SSL_CERT_REQS`): the injector takes the credentials, so the adopted
 * socket serves TLS like a bound port would. The stop on SIGTERM/SIGINT is
 * `serve()`'s (_stop-signals.ts).
 *
 * grpc-js and prom-client are loaded only when these functions are called,
 * so HTTP workers importing bento-kit/worker do not pay for them.
 */
import { createServer, type Server as NetServer } from "node:net";
import type { Server, ServerCredentials, ServerInterceptor, ServerOptions } from "@grpc/grpc-js";
import { workerEnvError } from "./_errors.ts";
import { getSocketFd } from "./_fds.ts";
import { workerOptions } from "./_env.ts";
import { assertNode } from "./_runtime.ts";
import { setLongTimeout } from "../timer.ts";
import type { ServeOptions } from "./_serve-types.ts";
import { servingHandle } from "./_stop-signals.ts";
import { tlsServerOptions } from "./_tls.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** The gRPC options the supervisor passed (`--enable-reflection` ... as `BENTO_GRPC_*`). */
export interface GrpcSettings {
  readonly reflection: boolean;
  readonly channelz: boolean;
  readonly maxConcurrentStreams?: number;
  readonly protocolVersion: string;
}

export function grpcSettings(env: Env = process.env): GrpcSettings {
  const streams = env.BENTO_GRPC_MAX_CONCURRENT_STREAMS;
  return {
    reflection: env.BENTO_GRPC_ENABLE_REFLECTION === "true",
    channelz: env.BENTO_GRPC_ENABLE_CHANNELZ === "true",
    maxConcurrentStreams: streams && /^\d+$/.test(streams) ? Number(streams) : undefined,
    protocolVersion: env.BENTO_GRPC_PROTOCOL_VERSION ?? "v1",
  };
}

/**
 * Options for `new grpc.Server(...)` that honour the supervisor's settings:
 * `grpc.max_concurrent_streams`, channelz off unless `--enable-channelz`, and
 * (when the monitoring plugin is on: `BENTO_METRICS_DIR` set) an interceptor
 * counting calls, served to the metrics server on this worker's slot socket.
 */
export async function grpcServerOptions(extra: ServerOptions = {}, env: Env = process.env): Promise<ServerOptions> {
  const s = grpcSettings(env);
  const interceptors = [...(extra.interceptors ?? []), await countCalls()];
  const options: ServerOptions = { ...extra, "grpc.enable_channelz": s.channelz ? 1 : 0 };
  if (s.maxConcurrentStreams !== undefined) options["grpc.max_concurrent_streams"] = s.maxConcurrentStreams;
  if (env.BENTO_METRICS_DIR) {
    const { startGrpcMetrics } = await import("./_grpc-metrics.ts");
    interceptors.push(await startGrpcMetrics(env));
  }
  return { ...options, interceptors };
}

/** Calls in flight in this worker, for the stop's log lines (counted on servers built with grpcServerOptions()). */
let callsInFlight = 0;

async function countCalls(): Promise<ServerInterceptor> {
  const { ServerInterceptingCall } = await import("@grpc/grpc-js");
  return (_method, call) => {
    let ended = false;
    callsInFlight += 1;
    return new ServerInterceptingCall(call, {
      sendStatus(status, next) {
        if (!ended) {
          ended = true;
          callsInFlight -= 1;
        }
        next(status);
      },
    });
  };
}

/**
 * The server credentials the supervisor asked for: TLS with the certificate and
 * key of `BENTO_SSL_CERTFILE`/`BENTO_SSL_KEYFILE` when it set them, else
 * insecure (h2c). `BENTO_SSL_CERT_REQS=2` requires a client certificate signed
 * by `BENTO_SSL_CA_CERTS`; grpc-js has no "ask, do not require" mode, so 1
 * (optional) does not ask for one, and says so.
 */
export async function grpcServerCredentials(env: Env = process.env): Promise<ServerCredentials> {
  const { ServerCredentials } = await import("@grpc/grpc-js");
  const tls = tlsServerOptions(env);
  if (tls === undefined) return ServerCredentials.createInsecure();
  if (tls.requestCert && !tls.rejectUnauthorized) {
    console.warn(
      `grpc worker ${process.pid}: BENTO_SSL_CERT_REQS=1 (optional client certificate) has no grpc-js equivalent: ` +
        "client certificates are not asked for (2 requires them)",
    );
  }
  const pair = { private_key: tls.key as Buffer, cert_chain: tls.cert as Buffer };
  return ServerCredentials.createSsl((tls.ca as Buffer | undefined) ?? null, [pair], tls.rejectUnauthorized === true);
}

/** `socket`, `fd`, `handleSignals` and `notify` as for the HTTP `serve()`. */
export interface GrpcServeOptions extends Pick<ServeOptions, "socket" | "fd" | "handleSignals" | "notify"> {
  /** Default: {@link grpcServerCredentials} (TLS when the supervisor set it, else plaintext h2c). Pass your own when your grpc-js copy is not bento-kit's. */
  readonly credentials?: ServerCredentials;
}

export interface GrpcServeHandle {
  readonly fd: number;
  /** Stop accepting, let calls in flight finish (at most the graceful timeout), then shut down. */
  close(): Promise<void>;
}

/**
 * Serves `server` (services already added) on the inherited socket. Node only.
 * SIGTERM/SIGINT: stop accepting, finish the calls in flight, exit 0 (exit 1
 * when the graceful timeout passes first), as `serve()`.
 *
 * ```ts
 * const server = new grpc.Server(await grpcServerOptions());
 * server.addService(Iris.service, { Classify: ... });
 * await serveGrpc(server);
 * ```
 */
export async function serveGrpc(server: Server, options: GrpcServeOptions = {}): Promise<GrpcServeHandle> {
  assertNode();
  const settings = workerOptions();
  const fd = options.fd ?? getSocketFd(options.socket);
  const injector = server.createConnectionInjector(options.credentials ?? (await grpcServerCredentials()));
  const listener: NetServer = createServer((socket) => injector.injectConnection(socket));
  await new Promise<void>((resolve, reject) => {
    listener.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        workerEnvError(
          "WorkerEnvInvalid",
          `Cannot listen on fd ${fd} (${error.code ?? error.message}): it must be ` +
            "an inherited listening TCP socket, as bento-kit passes to gRPC workers",
          "LISTEN_FDS",
        ),
      );
    });
    listener.listen({ fd }, settings.backlog, () => resolve());
  });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      listener.close();
      const force = setLongTimeout(() => {
        server.forceShutdown();
        finish();
      }, settings.gracefulShutdownTimeout * 1000);
      server.tryShutdown(finish);
      function finish(): void {
        force.cancel();
        injector.destroy();
        resolve();
      }
    });
    return closing;
  }

  return servingHandle({
    fd,
    close,
    closing: () => closing !== undefined,
    inFlight: () => callsInFlight,
    unit: "call(s)",
    graceSeconds: settings.gracefulShutdownTimeout,
  }, options);
}
