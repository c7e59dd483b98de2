/**
 * An access log line per request, in BentoML's format:
 * `127.0.0.1:52345 (scheme=http,method=POST,path=/classify,type=application/json,length=19) (status=200,type=application/json,length=3) 1.234ms`.
 * On for API workers (`BENTO_POOL=api_server`) unless `BENTO_ACCESS_LOG=0`
 * (`serve --no-access-log`); off for runners, as in BentoML.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

type Env = Readonly<Record<string, string | undefined>>;

export function accessLogEnabled(env: Env = process.env): boolean {
  const flag = env.BENTO_ACCESS_LOG?.trim().toLowerCase();
  if (flag !== undefined && flag !== "") return !["0", "false", "no"].includes(flag);
  return env.BENTO_POOL === "api_server";
}

/** Logs `req` once its answer has been sent; `started` is `performance.now()` at arrival. */
export function logWhenSent(req: IncomingMessage, res: ServerResponse, scheme: "http" | "https", started: number): void {
  res.once("finish", () => {
    const ms = performance.now() - started;
    process.stdout.write(`${accessLine(req, res, scheme, ms)}\n`);
  });
}

export function accessLine(req: IncomingMessage, res: ServerResponse, scheme: string, ms: number): string {
  const { remoteAddress, remotePort } = req.socket;
  const client = remoteAddress === undefined ? "_" : `${remoteAddress.includes(":") ? `[${remoteAddress}]` : remoteAddress}:${remotePort}`;
  const path = (req.url ?? "/").split("?")[0];
  const request = `scheme=${scheme},method=${req.method},path=${path},type=${req.headers["content-type"] ?? ""},length=${req.headers["content-length"] ?? ""}`;
  const response = `status=${res.statusCode},type=${header(res, "content-type")},length=${header(res, "content-length")}`;
  return `${client} (${request}) (${response}) ${ms.toFixed(3)}ms`;
}

function header(res: ServerResponse, name: string): string {
  const value = res.getHeader(name);
  return value === undefined ? "" : String(value);
}
