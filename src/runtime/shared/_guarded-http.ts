/**
 * `serveHttp` for every runtime: HTTP/1.1 over node:net, so that the
 * supervisor owns each connection and can bound them. Node's, Bun's and Deno's
 * own servers cannot all do that (Bun.serve and Deno.serve have no connection
 * cap, Deno.serve no timeout before the first request): an idle flood of the
 * admin port then took every descriptor and the next spawn failed (EMFILE).
 *
 * - At most `maxConnections` open at once: one more is closed as it is accepted.
 * - A request head (and its body) must arrive within `headerTimeoutMs` of the
 *   connection opening or of the previous response ending; between requests a
 *   kept-alive connection idles at most `idleTimeoutMs`.
 * - While a response streams (the event stream), no timeout applies.
 */
import { createServer, type Server, type Socket } from "node:net";
import { errAsync, ResultAsync } from "neverthrow";
import type { BindFailed } from "../../core/errors.ts";
import type { HttpApp, HttpServeOptions, HttpServer } from "../../core/ports.ts";
import { httpBindFailed } from "./_http.ts";
import {
  header,
  keepsAlive,
  MAX_BODY_BYTES,
  MAX_HEAD_BYTES,
  parseHead,
  plainReply,
  type RequestHead,
  responseHead,
} from "./_http-wire.ts";

export const HTTP_DEFAULTS = { maxConnections: 64, headerTimeoutMs: 10_000, idleTimeoutMs: 5_000 } as const;

/**
 * `bound`: the listening socket's handle, bound by the caller (Node: see
 * src/runtime/node/mod.ts), or the errno name its bind failed with; absent,
 * node:net binds `host` and `port` itself.
 */
export function serveGuardedHttp(
  app: HttpApp,
  options: HttpServeOptions,
  bound?: object | string,
): ResultAsync<HttpServer, BindFailed> {
  const { host, port } = options;
  if (typeof bound === "string") return errAsync(httpBindFailed(host, port, { code: bound, message: bound }));
  const limits = { ...HTTP_DEFAULTS, ...definedOnly(options) };
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    socket.on("error", () => {/* reset by the peer: "close" follows */});
    if (open.size >= limits.maxConnections) {
      socket.destroy();
      return;
    }
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    // A response is its head and its body in separate writes: with Nagle's algorithm on, the body
    // waits for the client's delayed ACK of the head (40 ms on Linux). Node's own http server does the same.
    socket.setNoDelay(true);
    serveConnection(socket, app, limits);
  });
  const listening = new Promise<HttpServer>((resolve, reject) => {
    server.once("error", reject);
    const onListening = () => {
      server.off("error", reject);
      // Accept failures (EMFILE, ECONNABORTED) must not end the supervisor: the next accept retries.
      server.on("error", () => {});
      const address = server.address() as { address: string; port: number };
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of open) socket.destroy();
          }),
      });
    };
    if (bound) server.listen(bound, onListening);
    else server.listen({ host, port }, onListening);
  });
  return ResultAsync.fromPromise(listening, (cause) => httpBindFailed(host, port, cause));
}

function definedOnly(options: HttpServeOptions): Partial<typeof HTTP_DEFAULTS> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(HTTP_DEFAULTS) as (keyof typeof HTTP_DEFAULTS)[]) {
    const value = options[key];
    if (typeof value === "number" && value > 0) out[key] = value;
  }
  return out;
}

type Limits = { readonly [K in keyof typeof HTTP_DEFAULTS]: number };

/** Requests on one connection, one at a time (pipelined ones wait in the buffer). */
function serveConnection(socket: Socket, app: HttpApp, limits: Limits): void {
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  let busy = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => socket.destroy(), limits.headerTimeoutMs);
  const onClose = new Set<() => void>();
  socket.on("close", () => {
    closed = true;
    clearTimeout(timer);
    for (const f of onClose) f();
    onClose.clear();
  });
  socket.on("data", (chunk: Uint8Array) => {
    const next = new Uint8Array(buffer.length + chunk.length);
    next.set(buffer);
    next.set(chunk, buffer.length);
    buffer = next;
    if (buffer.length > MAX_HEAD_BYTES + MAX_BODY_BYTES) socket.destroy();
    else if (!busy) void serveBuffered();
  });
  const refuse = (status: number, text: string) => {
    busy = true;
    socket.end(plainReply(status, text));
  };

  async function serveBuffered(): Promise<void> {
    while (!busy && !closed) {
      const end = indexOfBlankLine(buffer);
      if (end < 0) {
        if (buffer.length > MAX_HEAD_BYTES) refuse(431, "Request head too large");
        return;
      }
      const head = parseHead(new TextDecoder("latin1").decode(buffer.subarray(0, end)));
      if (!head) return refuse(400, "Not an HTTP/1.1 request");
      if (header(head, "transfer-encoding")) return refuse(411, "Send the body with a Content-Length");
      const length = Number(header(head, "content-length") ?? 0);
      if (!Number.isSafeInteger(length) || length < 0) return refuse(400, "Bad Content-Length");
      if (length > MAX_BODY_BYTES) return refuse(413, "Request body too large");
      if (buffer.length < end + 4 + length) return; // the rest of the body is on its way
      const body = buffer.slice(end + 4, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      clearTimeout(timer);
      busy = true;
      const keep = await respond(head, body) && keepsAlive(head);
      busy = false;
      if (closed) return;
      if (!keep) {
        socket.end();
        return;
      }
      timer = setTimeout(() => socket.destroy(), buffer.length > 0 ? limits.headerTimeoutMs : limits.idleTimeoutMs);
    }
  }

  /** Answer one request; false when the connection cannot carry another. */
  async function respond(head: RequestHead, body: Uint8Array<ArrayBuffer>): Promise<boolean> {
    const aborted = new AbortController();
    const abort = () => aborted.abort();
    onClose.add(abort);
    try {
      return await answer(head, body, aborted.signal);
    } finally {
      onClose.delete(abort);
      uncork();
    }
  }

  // A response's pieces (head, chunk sizes, chunks, the last chunk) leave in one write(2) where they are ready
  // together: written one by one, a JSON answer was five writes and as many TCP segments. A body that trickles
  // (the event stream) is sent at each turn of the event loop.
  let corked = false;
  const cork = () => {
    if (corked) return;
    corked = true;
    socket.cork();
    setImmediate(uncork);
  };
  function uncork(): void {
    if (!corked) return;
    corked = false;
    socket.uncork();
  }

  async function answer(head: RequestHead, body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<boolean> {
    let response: Response;
    try {
      const url = new URL(head.target, `http://${header(head, "host") ?? "localhost"}`);
      const request = new Request(url, {
        method: head.method,
        headers: head.headers as [string, string][],
        body: head.method === "GET" || head.method === "HEAD" ? undefined : body,
        signal,
      });
      response = await (app.fetch(request) as Promise<Response>);
    } catch {
      response = new Response("Internal Server Error", { status: 500 });
    }
    const keep = keepsAlive(head);
    const noBody = head.method === "HEAD" || response.status === 204 || response.status === 304;
    if (noBody || response.body === null) {
      void response.body?.cancel().catch(() => {});
      return write(responseHead(response, "none", keep));
    }
    if (!streams(response)) {
      // Read whole and sent with its Content-Length, head and body in one write(2), as a client or proxy
      // expects of a JSON answer (streamed, it went out chunked, five pieces in one writev).
      // (A connection closed meanwhile: write() answers false.)
      const bytes = await response.arrayBuffer().then((b) => new Uint8Array(b), () => undefined);
      if (bytes === undefined) {
        await write(plainReply(500, "Internal Server Error"));
        return false;
      }
      return await write(responseHead(response, "length", keep, bytes.length)) && write(bytes);
    }
    const chunked = !response.headers.has("content-length");
    if (!await write(responseHead(response, chunked ? "chunked" : "length", keep))) return false;
    const reader = response.body.getReader();
    const cancel = () => void reader.cancel().catch(() => {});
    onClose.add(cancel);
    try {
      return await pump(reader, chunked);
    } finally {
      onClose.delete(cancel);
    }
  }

  async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, chunked: boolean): Promise<boolean> {
    for (;;) {
      const read = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (closed) return false;
      if (read.done) break;
      if (read.value.length === 0) continue;
      const ok = chunked
        ? await write(`${read.value.length.toString(16)}\r\n`) && await write(read.value) && await write("\r\n")
        : await write(read.value);
      if (!ok) return false;
    }
    return chunked ? write("0\r\n\r\n") : !closed;
  }

  /** Write, waiting for the socket to drain; false once it has closed. */
  function write(data: string | Uint8Array): Promise<boolean> {
    if (closed) return Promise.resolve(false);
    cork();
    if (socket.write(data)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const gone = () => resolve(false);
      onClose.add(gone);
      socket.once("drain", () => {
        onClose.delete(gone);
        resolve(true);
      });
    });
  }
}

/** An event stream is sent as it comes; every other answer the admin API gives is whole when returned. */
function streams(response: Response): boolean {
  return response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}
