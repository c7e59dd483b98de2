/** `serveHttp` for Node: a node:http server through @hono/node-server. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { ResultAsync } from "neverthrow";
import type { BindFailed } from "../core/errors.ts";
import type { HttpApp, HttpServer } from "../core/ports.ts";
import { httpBindFailed } from "./_http.ts";

export function nodeServeHttp(app: HttpApp, options: { readonly host: string; readonly port: number }): ResultAsync<HttpServer, BindFailed> {
  const { host, port } = options;
  const listening = new Promise<HttpServer>((resolve, reject) => {
    const server = createAdaptorServer({ fetch: (request: Request) => app.fetch(request) as Response | Promise<Response> }) as Server;
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
  return ResultAsync.fromPromise(listening, (cause) => httpBindFailed(host, port, cause));
}
