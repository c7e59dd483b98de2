/** `serveHttp` for Bun: Bun.serve. */
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import type { BindFailed } from "../core/errors.ts";
import type { HttpApp, HttpServer } from "../core/ports.ts";
import { httpBindFailed } from "./_http.ts";

export function bunServeHttp(app: HttpApp, options: { readonly host: string; readonly port: number }): ResultAsync<HttpServer, BindFailed> {
  const { host, port } = options;
  try {
    const server = Bun.serve({
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
