/**
 * Helpers for workers written in TypeScript and started by bento-kit: adopt
 * the listening socket the supervisor bound, read the worker id, options and
 * runner map it passed, serve a fetch handler, and call runners.
 *
 * Workers run on Node, Bun or Deno (the `module` command's `runtime`, default
 * the supervisor's). Node workers adopt the inherited fd; Bun and Deno cannot,
 * so their pool shares a port the supervisor reserved, and {@link serve}
 * listens there with SO_REUSEPORT (docs/worker-runtimes.md).
 *
 * @example A runner worker and an API worker calling it
 * ```ts
 * import { Hono } from "hono";
 * import { createRunnerClient, getWorkerId, serve } from "bento-kit/worker";
 *
 * // runner.ts — the supervisor passes its socket as fd 3 (LISTEN_FDS=1)
 * const runner = new Hono().post("/predict", async (c) => {
 *   const rows: number[][] = await c.req.json();
 *   return c.json(rows.map((row) => (row[2]! > 2.5 ? 1 : 0)));
 * });
 * await serve(runner.fetch);
 * console.log(`runner worker ${getWorkerId()} ready`);
 *
 * // api.ts — BENTO_RUNNER_MAP='{"iris":"unix:///tmp/bento/iris.sock"}'
 * const runners = createRunnerClient();
 * const api = new Hono().post("/classify", async (c) =>
 *   c.json(await runners.call("iris", "/predict", await c.req.json())),
 * );
 * await serve(api.fetch); // SIGTERM/SIGINT: finish in-flight requests, exit 0
 * ```
 *
 * @module
 */

export { getSocketFd, LISTEN_FDS_START, type ListenFd, listenFds } from "./_fds.ts";
export { getRunnerMap, getWorkerId, type WorkerOptions, workerOptions } from "./_env.ts";
export { notifyReady } from "./_notify.ts";
export { loadMetrics } from "./_metrics.ts";
export { type FetchHandler, serve, type ServeHandle, type ServeOptions } from "./_serve.ts";
export {
  type GrpcServeHandle,
  type GrpcServeOptions,
  grpcServerCredentials,
  grpcServerOptions,
  type GrpcSettings,
  grpcSettings,
  serveGrpc,
} from "./_grpc.ts";
export { addHealthService, addReflectionService, type HealthHandle, type ServingStatus } from "./_grpc-services.ts";
export {
  createRunnerClient,
  type RunnerCallOptions,
  type RunnerClient,
  type RunnerClientOptions,
  type RunnerRequestOptions,
  type RunnerResponse,
} from "./_runner-client.ts";
export {
  isRunnerError,
  type RunnerError,
  type RunnerErrorKind,
  type WorkerEnvError,
  type WorkerEnvErrorKind,
} from "./_errors.ts";
