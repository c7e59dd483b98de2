/**
 * A process's own metrics on its slot's private socket
 * (`$PROMETHEUS_MULTIPROC_DIR/metrics.sock`), for the instance scrape
 * (`_metrics-scrape.ts`) to ask. HTTP and runner workers, gRPC workers and
 * the gRPC metrics server (`prom_server`) all serve theirs this way.
 */
import { createServer } from "node:http";
import { renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { type ScrapeSelf, WORKER_SOCKET } from "./_metrics-scrape.ts";
import { TOTALS_PATH } from "../core/request-figures.ts";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Serve `text()` (Prometheus text) on `<slotDir>/metrics.sock`, and `totals()`
 * (if given) on TOTALS_PATH for the dashboard's sampler; every other path
 * answers the text. The result
 * lets this process's own scrape read its registry directly while its socket
 * is the one in the slot. A socket that cannot be opened is reported on
 * stderr; the process then misses from other processes' scrapes.
 */
export async function serveSlotMetrics(
  slotDir: string,
  text: () => Promise<string>,
  totals?: () => string,
): Promise<ScrapeSelf> {
  const answer = (path: string | undefined): Promise<string> =>
    totals && path === TOTALS_PATH ? Promise.resolve(totals()) : text();
  const socket = await listenPrivate(join(slotDir, WORKER_SOCKET), answer);
  return {
    slot: slotDir.slice(slotDir.lastIndexOf("/") + 1),
    owns: () => socket !== undefined && inode(socket.path) === socket.ino,
    text,
  };
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Bound under a name of this pid's own, then renamed into place, so a
 * replacement with the same worker id takes the name atomically and the old
 * worker closing never unlinks the new socket. Deno grants a Unix socket by
 * its exact path only (`--allow-net=unix:PATH`), so a Deno worker binds the
 * name itself, replacing its predecessor's.
 */
function listenPrivate(
  path: string,
  answer: (path: string | undefined) => Promise<string>,
): Promise<{ path: string; ino: number | undefined } | undefined> {
  const temp = "Deno" in globalThis ? path : `${path}.${process.pid}`;
  const server = createServer((req, res) => {
    void answer(req.url).then((body) => {
      // Its length, not chunks: the sampler's kept connection (HTTP/1.1) would otherwise get it chunked.
      res.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) });
      res.end(body);
    }, () => res.writeHead(500).end());
  });
  server.unref();
  return new Promise((resolve) => {
    server.once("error", (error) => {
      console.error(
        `worker ${process.pid}: metrics socket ${path} unavailable (${error.message}); its metrics are left out of /metrics`,
      );
      resolve(undefined);
    });
    try {
      unlinkSync(temp);
    } catch { /* not there */ }
    server.listen(temp, () => {
      try {
        if (temp !== path) renameSync(temp, path);
        resolve({ path, ino: inode(path) });
      } catch (error) {
        console.error(`worker ${process.pid}: cannot place metrics socket ${path} (${(error as Error).message})`);
        resolve(undefined);
      }
    });
  });
}
