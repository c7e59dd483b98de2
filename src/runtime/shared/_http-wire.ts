/**
 * HTTP/1.1 on the wire, as much as the admin server needs: a request head
 * parsed into a fetch Request's parts, and a fetch Response's head written
 * back. Bodies: Content-Length in, Content-Length or chunked out.
 */

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: "HTTP/1.0" | "HTTP/1.1";
  readonly headers: readonly (readonly [string, string])[];
}

/** Largest request head and body taken (the admin API's bodies are a few bytes of JSON). */
export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 1024 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The head (without the blank line that ends it), or undefined when it is not HTTP/1.x. */
export function parseHead(text: string): RequestHead | undefined {
  const [line, ...rest] = text.split("\r\n");
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(line ?? "");
  if (!m) return undefined;
  const headers: [string, string][] = [];
  for (const field of rest) {
    const colon = field.indexOf(":");
    const name = field.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) return undefined;
    headers.push([name.toLowerCase(), field.slice(colon + 1).trim()]);
  }
  return { method: m[1]!, target: m[2]!, version: m[3] as RequestHead["version"], headers };
}

export function header(head: RequestHead, name: string): string | undefined {
  return head.headers.find(([n]) => n === name)?.[1];
}

/** Whether the connection stays open after this request's response. */
export function keepsAlive(head: RequestHead): boolean {
  const connection = header(head, "connection")?.toLowerCase() ?? "";
  return head.version === "HTTP/1.1" ? !connection.includes("close") : connection.includes("keep-alive");
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * The status line and headers of `response`; `framing` says how its body follows,
 * `bodyLength` (a body read whole) is sent as its Content-Length.
 */
export function responseHead(
  response: Response,
  framing: "length" | "chunked" | "none",
  keepAlive: boolean,
  bodyLength?: number,
): string {
  const lines = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? response.statusText ?? ""}`];
  const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
  response.headers.forEach((value, name) => {
    if (name === "set-cookie" || name === "connection" || name === "transfer-encoding" || name === "keep-alive") {
      return;
    }
    if (name === "content-length" && (framing === "chunked" || bodyLength !== undefined)) return;
    lines.push(`${name}: ${value}`);
  });
  for (const cookie of cookies) lines.push(`set-cookie: ${cookie}`);
  if (framing === "chunked") lines.push("transfer-encoding: chunked");
  if (bodyLength !== undefined) lines.push(`content-length: ${bodyLength}`);
  if (
    framing === "none" && !response.headers.has("content-length") && response.status >= 200 &&
    response.status !== 204 && response.status !== 304
  ) {
    lines.push("content-length: 0");
  }
  lines.push(`connection: ${keepAlive ? "keep-alive" : "close"}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** A plain-text answer for a request that never reaches the app (bad head, too large). */
export function plainReply(status: number, text: string): string {
  return `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${new TextEncoder().encode(text).length}\r\nconnection: close\r\n\r\n${text}`;
}
