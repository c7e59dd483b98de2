/**
 * A fetch-style handler served over HTTP on a Unix socket by this runtime's
 * own server: Bun.serve and Deno.serve natively, node:http on Node (imported
 * only when called). It never keeps the process alive. Rejects if the path
 * cannot be listened on.
 */
import { detectRuntime } from "./detect.ts";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface UnixHttpServer {
  close(): void;
}

/** The parts of Bun's and Deno's servers used here (typed locally: each checker knows only its own runtime). */
interface BunUnixServe {
  serve(
    options: { unix: string; fetch: FetchHandler },
  ): { unref(): void; stop(closeActiveConnections?: boolean): void };
}
interface DenoUnixServe {
  serve(
    options: { path: string; transport: "unix"; onListen(): void },
    handler: FetchHandler,
  ): { unref(): void; shutdown(): Promise<void> };
}

// deno-lint-ignore require-await -- async so that Bun.serve or Deno.serve throwing (EADDRINUSE) rejects instead
export async function serveUnixHttp(path: string, handler: FetchHandler): Promise<UnixHttpServer> {
  const runtime = detectRuntime();
  if (runtime === "bun") {
    const server = (globalThis as unknown as { Bun: BunUnixServe }).Bun.serve({ unix: path, fetch: handler });
    server.unref();
    return { close: () => server.stop(true) };
  }
  if (runtime === "deno") {
    const server = (globalThis as unknown as { Deno: DenoUnixServe }).Deno.serve({
      path,
      transport: "unix",
      onListen() {},
    }, handler);
    server.unref();
    return { close: () => void server.shutdown() };
  }
  return serveWithNodeHttp(path, handler);
}

async function serveWithNodeHttp(path: string, handler: FetchHandler): Promise<UnixHttpServer> {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    void Promise.resolve()
      .then(() => handler(new Request(`http://localhost${req.url ?? "/"}`, { method: req.method })))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      }, (error) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => (server.off("error", reject), resolve()));
  });
  server.unref();
  return { close: () => void server.close() };
}
