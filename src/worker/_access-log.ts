/**
 * An access log line per request, in BentoML's format:
 * `127.0.0.1:52345 (scheme=http,method=POST,path=/classify,type=application/json,length=19) (status=200,type=application/json,length=3) 1.234ms`.
 * On for API workers (`BENTO_POOL=api_server`) unless `BENTO_ACCESS_LOG=0`
 * (`serve --no-access-log`); off for runners, as in BentoML.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { workerLog } from "./_log.ts";
import { requestPath } from "./_path.ts";

type Env = Readonly<Record<string, string | undefined>>;

export function accessLogEnabled(env: Env = process.env): boolean {
  const flag = env.BENTO_ACCESS_LOG?.trim().toLowerCase();
  if (flag !== undefined && flag !== "") return !["0", "false", "no"].includes(flag);
  return env.BENTO_POOL === "api_server";
}

/**
 * Logs `req` once its answer has been sent; `started` is `performance.now()` at arrival.
 * `length=` is what Node sent: the content-length the answer set, else the one Node
 * wrote itself (@hono/node-server hands it a string's or a buffer's size as
 * `_contentLength`, the field Node's own `res.end(body)` fills, so `getHeader` never sees
 * it), else, for a body sent chunked, its bytes counted as they are written.
 */
export function logWhenSent(
  req: IncomingMessage,
  res: ServerResponse,
  scheme: "http" | "https",
  started: number,
  log = workerLog(),
): void {
  const counted = countWrites(res);
  res.once("finish", () => {
    const ms = performance.now() - started;
    log(accessLine(req, res, scheme, ms, counted));
  });
}

/** Node's own record of the body size it announced (a number once it wrote Content-Length). */
interface SentLength {
  readonly _contentLength?: unknown;
  readonly _hasBody?: unknown;
}

/** Counts the bytes `res.write` is given (a streamed body; `res.end(body)` is told apart by Node's length). */
function countWrites(res: ServerResponse): { bytes: number } {
  const counted = { bytes: 0 };
  const write = res.write;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    counted.bytes += typeof chunk === "string"
      ? Buffer.byteLength(chunk, typeof rest[0] === "string" ? rest[0] as BufferEncoding : "utf8")
      : (chunk as Uint8Array).byteLength;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse["write"];
  return counted;
}

function accessLine(
  req: IncomingMessage,
  res: ServerResponse,
  scheme: string,
  ms: number,
  counted: { readonly bytes: number },
): string {
  return formatAccess({
    client: clientOf(req.socket.remoteAddress, req.socket.remotePort),
    scheme,
    method: req.method ?? "",
    url: req.url ?? "/",
    requestType: req.headers["content-type"] ?? "",
    requestLength: req.headers["content-length"] ?? "",
    status: res.statusCode,
    responseType: header(res, "content-type"),
    responseLength: sentLength(res, counted),
    ms,
  });
}

function sentLength(res: ServerResponse, counted: { readonly bytes: number }): string {
  const announced = header(res, "content-length");
  if (announced !== "") return announced;
  const sent = res as unknown as SentLength;
  if (sent._hasBody === false) return "";
  if (typeof sent._contentLength === "number") return String(sent._contentLength);
  return String(counted.bytes);
}

/**
 * Logs a Fetch API exchange (Bun.serve, Deno.serve). An answer without
 * `content-length` (Hono's `c.json`, `c.text`: the server computes it when it
 * sends) is counted on a clone of its body, and logged once that is read, as
 * Node logs once the answer is sent; a streamed answer is logged at its end.
 * Everything from the request is read at once: Deno refuses it once answered.
 */
export function logFetchExchange(
  log: (line: string) => void,
  remote: { address?: string; port?: number },
  request: Request,
  response: Response,
  scheme: string,
  ms: number,
): void {
  const fields = fetchAccessFields(remote, request, response, scheme, ms);
  if (fields.responseLength !== "" || response.bodyUsed) return log(formatAccess(fields));
  const logWith = (n: number | undefined) =>
    log(formatAccess({ ...fields, responseLength: n === undefined ? "" : String(n) }));
  // Not response.body: on Deno that getter turns a string body into a stream (sent chunked, slower).
  const copy = response.clone();
  if (readWhole(fields.responseType, response.headers)) {
    void copy.arrayBuffer().then((bytes) => logWith(bytes.byteLength), () => logWith(undefined));
    return;
  }
  const body = copy.body;
  if (body === null) return logWith(undefined);
  void countBytes(body).then(logWith);
}

/**
 * Whether an answer is counted on a copy read whole, not as a stream: JSON and
 * plain text not sent chunked, what frameworks answer from a string (Hono's
 * `c.json`, `c.text`). A stream reader per answer cost 2.5 µs of a Bun
 * worker's CPU and 5 µs of a Deno one's; a streamed JSON answer is then held
 * whole once more until it ends. Event streams, HTML (server rendering streams
 * it) and the rest are counted chunk by chunk.
 */
function readWhole(type: string, headers: Headers): boolean {
  return (type.startsWith("application/json") || type.startsWith("text/plain")) &&
    headers.get("transfer-encoding") === null;
}

/** Bytes in a body stream; undefined when it failed (the client went away). A reader, not `for await`: no iterator per answer. */
async function countBytes(body: ReadableStream<Uint8Array>): Promise<number | undefined> {
  const reader = body.getReader();
  let n = 0;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return n;
      n += chunk.value.byteLength;
    }
  } catch {
    return undefined;
  }
}

/** The line's fields for a Fetch API exchange; `request.url` is the full URL. */
function fetchAccessFields(
  remote: { address?: string; port?: number },
  request: Request,
  response: Response,
  scheme: string,
  ms: number,
): AccessFields {
  return {
    client: clientOf(remote.address, remote.port),
    scheme,
    method: request.method,
    url: requestPath(request),
    requestType: request.headers.get("content-type") ?? "",
    requestLength: request.headers.get("content-length") ?? "",
    status: response.status,
    responseType: response.headers.get("content-type") ?? "",
    responseLength: response.headers.get("content-length") ?? "",
    ms,
  };
}

interface AccessFields {
  readonly client: string;
  readonly scheme: string;
  readonly method: string;
  readonly url: string;
  readonly requestType: string;
  readonly requestLength: string;
  readonly status: number;
  readonly responseType: string;
  readonly responseLength: string;
  readonly ms: number;
}

function formatAccess(f: AccessFields): string {
  const query = f.url.indexOf("?");
  const path = query < 0 ? f.url : f.url.slice(0, query);
  const request = `scheme=${f.scheme},method=${f.method},path=${path},type=${f.requestType},length=${f.requestLength}`;
  const response = `status=${f.status},type=${f.responseType},length=${f.responseLength}`;
  return `${f.client} (${request}) (${response}) ${f.ms.toFixed(3)}ms`;
}

function clientOf(address: string | undefined, port: number | undefined): string {
  return address === undefined ? "_" : `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

function header(res: ServerResponse, name: string): string {
  const value = res.getHeader(name);
  return value === undefined ? "" : String(value);
}
