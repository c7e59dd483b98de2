/** `serveHttp` for Bun: Bun.serve. */
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import type { BindFailed } from "../../core/errors.ts";
import type { HttpApp, HttpServer } from "../../core/ports.ts";
import { httpBindFailed } from "../shared/_http.ts";

/** The part of Bun's API used here (typed locally: deno check reads this file too, without Bun's typings). */
interface BunHttp {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response | Promise<Response>;
  }): { readonly hostname?: string; readonly port?: number; stop(closeActiveConnections?: boolean): Promise<void> };
}

export function bunServeHttp(
  app: HttpApp,
  options: { readonly host: string; readonly port: number },
): ResultAsync<HttpServer, BindFailed> {
  const { host, port } = options;
  try {
    const server = (globalThis as unknown as { Bun: BunHttp }).Bun.serve({
      hostname: host,
      port,
      // Event streams stay open between events (heartbeats every 15 s): no idle cut-off.
      idleTimeout: 0,
      fetch: (request) => app.fetch(request) as Response | Promise<Response>,
    });
    return okAsync({ host: server.hostname ?? host, port: server.port ?? port, close: () => server.stop(true) });
  } catch (cause) {
    return errAsync(httpBindFailed(host, port, cause));
  }
}
