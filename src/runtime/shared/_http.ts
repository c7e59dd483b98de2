/**
 * What the three `serveHttp` implementations share: the BindFailed they
 * return when the address cannot be served.
 */
import { type BindFailed, bindFailed } from "../../core/errors.ts";

/** Deno names its errors (AddrInUse) where Node and Bun give an errno code. */
const DENO_CODES: Record<string, string> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
  NotFound: "ENOTFOUND",
};

export function httpBindFailed(host: string, port: number, cause: unknown): BindFailed {
  const e = cause as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === "string" ? e.code : DENO_CODES[String(e?.name)] ?? "EUNKNOWN";
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const detail = typeof e?.message === "string" ? e.message : String(cause);
  if (code === "EADDRINUSE") {
    return bindFailed("http", `Cannot serve HTTP on ${where}: the port is already in use (EADDRINUSE)`, code);
  }
  if (code === "EADDRNOTAVAIL") {
    return bindFailed(
      "http",
      `Cannot serve HTTP on ${where}: the address is not on this machine (EADDRNOTAVAIL)`,
      code,
    );
  }
  if (code === "EACCES") {
    return bindFailed("http", `Cannot serve HTTP on ${where}: the port needs privileges (EACCES)`, code);
  }
  // A bind made through libc (an IP literal on Node) reports only its code: no message to add.
  const more = detail === "" || detail === code ? "" : `: ${detail}`;
  return bindFailed("http", `Cannot serve HTTP on ${where} (${code})${more}`, code);
}
