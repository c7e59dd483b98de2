/** Loopback HTTP: a free port to serve on, and one request on a fresh connection. */
import { request } from "node:http";
import * as net from "node:net";
import { CLASSIFY_BODY } from "./config.ts";

/** A free loopback port (bound then released; a fresh one per process start). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

export interface HttpResult {
  readonly status: number;
  readonly pid: number | undefined;
  readonly body: string;
}

/** One request on a fresh connection (`Connection: close`), failing after `timeoutMs`. */
export function http(
  port: number,
  method: string,
  path: string,
  body?: string,
  timeoutMs = 10_000,
): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method,
      path,
      agent: false,
      timeout: timeoutMs,
      headers: {
        connection: "close",
        ...(body === undefined
          ? {}
          : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
      },
    }, (r) => {
      let data = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (data += c));
      r.on("end", () => {
        const h = r.headers["x-bento-worker-pid"];
        res({ status: r.statusCode ?? 0, pid: typeof h === "string" ? Number(h) : undefined, body: data });
      });
      r.on("error", rej);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
    req.end(body);
  });
}

export const classify = (port: number): Promise<HttpResult> => http(port, "POST", "/classify", CLASSIFY_BODY);
