/**
 * Shared by the three runtime adapters (node:* modules only): resolving the
 * host of a TCP socket and the wording of every bind failure.
 */
import { ResultAsync } from "neverthrow";
import { type BindFailed, bindFailed } from "../../core/errors.ts";
import { UNIX_PATH_MAX } from "../../core/unix-path.ts";
import type { SocketSpec } from "../../core/types.ts";

export interface ResolvedHost {
  readonly address: string;
  readonly family: 4 | 6;
}

/** IP literals pass through; a hostname is looked up, IPv4 first ("localhost" gives 127.0.0.1). */
export async function resolveHost(host: string): Promise<ResolvedHost> {
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const family = ipFamily(literal);
  if (family !== 0) return { address: literal, family };
  const { lookup } = await import("node:dns/promises");
  const found = await lookup(literal, { family: 0, verbatim: false });
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
}

const IPV4_PART = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${IPV4_PART}(\\.${IPV4_PART}){3}$`);

/**
 * 4 or 6 for an IP literal (IPv6 with an optional %zone), else 0: node:net's
 * isIP, without loading node:net (about 8 ms on Bun).
 */
export function ipFamily(host: string): 0 | 4 | 6 {
  if (IPV4.test(host)) return 4;
  const [address = "", zone, ...rest] = host.split("%");
  if (!address.includes(":") || rest.length > 0 || (zone !== undefined && !/^[\w.-]+$/.test(zone))) return 0;
  try {
    return new URL(`http://[${address}]/`).hostname !== "" ? 6 : 0;
  } catch {
    return 0;
  }
}

/** resolveHost for a bind: a lookup failure becomes a BindFailed with code ENOTFOUND. */
export function resolveBindHost(socket: string, host: string): ResultAsync<ResolvedHost, BindFailed> {
  return ResultAsync.fromPromise(resolveHost(host), (cause) => {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return bindFailed(
      socket,
      `Cannot resolve host "${host}": ${detail}; ` +
        "pass an IP address or a resolvable hostname to --host",
      "ENOTFOUND",
    );
  });
}

/** The user-facing BindFailed for errno name `code` while binding `spec`. */
export function bindError(spec: SocketSpec, code: string, detail?: string): BindFailed {
  return bindFailed(spec.name, bindMessage(spec, code, detail), code);
}

function bindMessage(spec: SocketSpec, code: string, detail?: string): string {
  if (spec.kind === "unix") {
    const what = `Unix socket ${spec.path}`;
    if (code === "EADDRINUSE") return `${what} already exists (EADDRINUSE): remove it or use a fresh directory`;
    if (code === "EACCES") return `Cannot create ${what} (EACCES): check the permissions of its directory`;
    if (code === "ENOENT") return `Cannot create ${what}: its directory does not exist (ENOENT)`;
    if (code === "ENAMETOOLONG") {
      return `${what} is over the ${UNIX_PATH_MAX}-byte limit (ENAMETOOLONG): use a shorter path`;
    }
    return `Cannot create ${what} (${code})${detail ? `: ${detail}` : ""}`;
  }
  const where = `port ${spec.port} on ${spec.host}`;
  const Where = `Port ${spec.port} on ${spec.host}`;
  if (code === "EADDRINUSE") return `${Where} is already in use (EADDRINUSE): stop the other process or pass --port`;
  if (code === "EACCES") {
    return `${Where} needs privileges (EACCES): use a port above 1023 or run with the needed capability`;
  }
  if (code === "EADDRNOTAVAIL") {
    return `Cannot bind ${where}: address not on this machine (EADDRNOTAVAIL): ` +
      "pass --host 0.0.0.0 or one of this machine's addresses";
  }
  return `Cannot bind ${where} (${code})${detail ? `: ${detail}` : ""}`;
}

/** The user-facing BindFailed when inherited fd `fd` (socket activation) cannot be adopted as `spec`. */
export function adoptError(spec: SocketSpec, fd: number, code: string): BindFailed {
  return bindFailed(
    spec.name,
    `Cannot adopt inherited fd ${fd} as socket "${spec.name}" (${code}): ` +
      "socket activation must pass listening stream sockets (ListenStream= in the .socket unit)",
    code,
  );
}
