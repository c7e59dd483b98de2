/**
 * `serveHttp` for Node: a node:http server, handing requests to the app
 * through @hono/node-server's request listener. That adapter (and with it
 * Node's fetch Request/Response, undici, about 10 MB) is loaded by the first
 * request: an admin server nobody calls costs the supervisor nothing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ResultAsync } from "neverthrow";
import type { BindFailed } from "../../core/errors.ts";
import type { HttpApp, HttpServer } from "../../core/ports.ts";
import { httpBindFailed } from "../shared/_http.ts";

type Listener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export function nodeServeHttp(
  app: HttpApp,
  options: { readonly host: string; readonly port: number },
): ResultAsync<HttpServer, BindFailed> {
  const { host, port } = options;
  let listener: Promise<Listener> | undefined;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    listener ??= import("@hono/node-server").then(({ getRequestListener }) =>
      getRequestListener((r: Request) => app.fetch(r) as Response | Promise<Response>)
    );
    void listener.then((l) => l(request, response));
  };
  const listening = new Promise<HttpServer>((resolve, reject) => {
    const server = createServer(handle);
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
  return ResultAsync.fromPromise(listening, (cause) => httpBindFailed(host, port, cause));
}
