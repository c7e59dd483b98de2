/**
 * gRPC workers: serve a `@grpc/grpc-js` Server on the socket the supervisor
 * holds. grpc-js cannot listen on an fd, but since 1.10 it takes connections
 * from anywhere through `Server.createConnectionInjector()` (gRFC L114): a
 * `net.Server` listening on the inherited fd hands each connection to it.
 *
 * grpc-js and prom-client are loaded only when these functions are called,
 * so HTTP workers importing bento-kit/worker do not pay for them.
 */
import { createServer, type Server as NetServer } from "node:net";
import type { Server, ServerCredentials, ServerOptions } from "@grpc/grpc-js";
import { workerEnvError } from "./_errors.ts";
import { getSocketFd } from "./_fds.ts";
import { workerOptions } from "./_env.ts";
import { notifyReady } from "./_notify.ts";
import { assertNode } from "./_runtime.ts";
import { setLongTimeout } from "./_timer.ts";
import type { ServeOptions } from "./_serve-types.ts";

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
 * (when the supervisor runs a metrics server) an interceptor counting calls.
 */
export async function grpcServerOptions(extra: ServerOptions = {}, env: Env = process.env): Promise<ServerOptions> {
  const s = grpcSettings(env);
  const options: ServerOptions = { ...extra, "grpc.enable_channelz": s.channelz ? 1 : 0 };
  if (s.maxConcurrentStreams !== undefined) options["grpc.max_concurrent_streams"] = s.maxConcurrentStreams;
  if (env.BENTO_GRPC_METRICS_DIR) {
    const { startGrpcMetrics } = await import("./_grpc-metrics.ts");
    const interceptor = await startGrpcMetrics(env);
    options.interceptors = [...(extra.interceptors ?? []), interceptor];
  }
  return options;
}

/** `socket`, `fd`, `handleSignals` and `notify` as for the HTTP `serve()`. */
export interface GrpcServeOptions extends Pick<ServeOptions, "socket" | "fd" | "handleSignals" | "notify"> {
  /** Default: insecure (plaintext h2c). Pass your own when your grpc-js copy is not bento-kit's. */
  readonly credentials?: ServerCredentials;
}

export interface GrpcServeHandle {
  readonly fd: number;
  /** Stop accepting, let calls in flight finish (at most the graceful timeout), then shut down. */
  close(): Promise<void>;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Serves `server` (services already added) on the inherited socket. Node only.
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
  const credentials = options.credentials ?? (await import("@grpc/grpc-js")).ServerCredentials.createInsecure();
  const injector = server.createConnectionInjector(credentials);
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
        resolve();
      }, settings.gracefulShutdownTimeout * 1000);
      server.tryShutdown(() => {
        force.cancel();
        injector.destroy();
        resolve();
      });
    });
    return closing;
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (closing !== undefined) return;
    console.log(
      `grpc worker ${process.pid}: ${signal} received, finishing calls in flight ` +
        `(at most ${settings.gracefulShutdownTimeout}s)`,
    );
    void close().then(() => process.exit(0));
  }

  if (options.handleSignals ?? true) { for (const signal of SIGNALS) process.on(signal, onSignal); }
  if (options.notify ?? true) notifyReady();
  return {
    fd,
    close: () =>
      close().then(() => {
        for (const signal of SIGNALS) process.off(signal, onSignal);
      }),
  };
}
