/**
 * Binding a listening socket through libc, shared by the Bun and Deno FFI
 * adapters: sockaddr builders and parsers, errno names, and the
 * socket/setsockopt/bind/listen/getsockname sequence. Linux with glibc only.
 */
import { err, ok, okAsync, type Result, type ResultAsync } from "neverthrow";
import type { BindFailed } from "../../core/errors.ts";
import type { RuntimePort } from "../../core/ports.ts";
import { UNIX_PATH_MAX } from "../../core/unix-path.ts";
import type { BoundAddress, SocketSpec } from "../../core/types.ts";
import { adoptError, bindError, resolveBindHost, type ResolvedHost } from "../shared/_bind-errors.ts";
import { readFileSync } from "node:fs";
import { removeSocketFile } from "../shared/_node-compat.ts";

/** The libc functions bindWithLibc needs; each returns the C return value. */
export interface LibcSocketFns {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): number;
  bind(fd: number, addr: Uint8Array, length: number): number;
  listen(fd: number, backlog: number): number;
  /** `length` holds a 4-byte native-endian socklen_t, in and out. */
  getsockname(fd: number, addr: Uint8Array, length: Uint8Array): number;
  close(fd: number): number;
  /** The current value of errno, read right after a failing call. */
  errno(): number;
}

export const LIBC_PATH = "libc.so.6";
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
const SOCK_STREAM = 1;
/** Close-on-exec in the supervisor; spawn dup2()s the fd to 3, 4, ... which clears the flag. */
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_REUSEPORT = 15;
const EADDRINUSE = 98;
/** sizeof(sun_path): the longest path plus its NUL. */
const SUN_PATH_SIZE = UNIX_PATH_MAX + 1;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  9: "EBADF",
  12: "ENOMEM",
  13: "EACCES",
  20: "ENOTDIR",
  22: "EINVAL",
  24: "EMFILE",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
  40: "ELOOP",
  88: "ENOTSOCK",
  95: "ENOTSUP",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** A clear error where the libc adapters cannot work (not Linux with glibc, or no FFI permission). */
export function libcUnavailable(spec: SocketSpec, runtime: string, cause: unknown): BindFailed {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const needs = runtime === "Deno" ? "Linux with glibc and --allow-ffi (or -A)" : "Linux with glibc";
  return bindError(
    spec,
    "ENOTSUP",
    `${runtime} binds sockets through ${LIBC_PATH}, which could not be loaded ` +
      `(${detail}); this needs ${needs}: elsewhere run bento-kit with Node`,
  );
}

export function sockaddrIn(address: string, port: number): Uint8Array {
  const buf = new Uint8Array(16);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port, false);
  buf.set(address.split(".").map(Number), 4);
  return buf;
}

/**
 * sockaddr_in6 for an IPv6 literal, keeping a zone (`fe80::1%eth0`, `fe80::1%2`)
 * as sin6_scope_id; undefined when the zone names no network interface.
 */
export function sockaddrIn6(address: string, port: number): Uint8Array | undefined {
  const [ip = "", zone] = address.split("%");
  const scope = zone === undefined ? 0 : scopeId(zone);
  if (scope === undefined) return undefined;
  const buf = new Uint8Array(28);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_INET6, true);
  view.setUint16(2, port, false);
  buf.set(ipv6Bytes(ip), 8);
  view.setUint32(24, scope, true);
  return buf;
}

/** The interface index of a zone: a number as is, a name through /sys (if_nametoindex). */
export function scopeId(zone: string): number | undefined {
  if (/^\d+$/.test(zone)) return Number(zone);
  if (!/^[\w.:-]+$/.test(zone)) return undefined;
  try {
    const index = Number(readFileSync(`/sys/class/net/${zone}/ifindex`, "utf8").trim());
    return Number.isInteger(index) && index > 0 ? index : undefined;
  } catch {
    return undefined;
  }
}

/** sockaddr_un for `path`, or undefined when the path is over UNIX_PATH_MAX bytes. */
export function sockaddrUn(path: string): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(path);
  if (bytes.length > UNIX_PATH_MAX) return undefined;
  const buf = new Uint8Array(2 + SUN_PATH_SIZE);
  new DataView(buf.buffer).setUint16(0, AF_UNIX, true);
  buf.set(bytes, 2);
  return buf;
}

/** The 16 bytes of an IPv6 literal (`::` and a dotted IPv4 tail allowed). */
export function ipv6Bytes(address: string): Uint8Array {
  const groups = (part: string): number[] => {
    if (part === "") return [];
    return part.split(":").flatMap((g) => {
      if (!g.includes(".")) return [parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = "", tail] = address.split("::");
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => new DataView(out.buffer).setUint16(i * 2, g, false));
  return out;
}

/** Where a getsockname() result says the socket is bound. */
export function parseSockaddr(buf: Uint8Array): BoundAddress {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = view.getUint16(0, true);
  if (family === AF_INET) {
    return { kind: "tcp", host: [...buf.subarray(4, 8)].join("."), port: view.getUint16(2, false), family: 4 };
  }
  if (family === AF_INET6) {
    const groups = Array.from({ length: 8 }, (_, i) => view.getUint16(8 + i * 2, false).toString(16));
    const host = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
    return { kind: "tcp", host, port: view.getUint16(2, false), family: 6 };
  }
  const raw = buf.subarray(2);
  const end = raw.indexOf(0);
  return { kind: "unix", path: new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end)) };
}

/**
 * socket, setsockopt, bind, listen and getsockname for `spec`; `host` is the
 * resolved address of a TCP spec. Returns the listening fd (closed on failure).
 */
export function bindWithLibc(
  libc: LibcSocketFns,
  spec: SocketSpec,
  host?: ResolvedHost,
): Result<{ fd: number; address: BoundAddress }, BindFailed> {
  let addr: Uint8Array | undefined;
  let domain: number;
  if (spec.kind === "unix") {
    addr = sockaddrUn(spec.path);
    if (!addr) return err(bindError(spec, "ENAMETOOLONG"));
    domain = AF_UNIX;
  } else {
    if (!host) return err(bindError(spec, "EINVAL", "the host was not resolved"));
    domain = host.family === 6 ? AF_INET6 : AF_INET;
    addr = host.family === 6 ? sockaddrIn6(host.address, spec.port) : sockaddrIn(host.address, spec.port);
    if (!addr) {
      const zone = host.address.split("%")[1];
      return err(bindError(spec, "ENODEV", `no network interface "${zone}" (the zone after %); see \`ip link\``));
    }
  }
  const fd = libc.socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return err(bindError(spec, errnoName(libc.errno())));
  const fail = (): Result<never, BindFailed> => {
    const code = errnoName(libc.errno());
    libc.close(fd);
    return err(bindError(spec, code));
  };
  const one = new Uint8Array(new Int32Array([1]).buffer);
  const reserve = spec.kind === "tcp" && spec.reserve;
  // SO_REUSEADDR, so that a restart binds past the last run's TIME_WAIT connections.
  if (spec.kind === "tcp" && !reserve && libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) < 0) return fail();
  // Bound without SO_REUSEPORT: the bind fails with EADDRINUSE while anything
  // else holds the port, a listener or another service's reservation, even one
  // bound with SO_REUSEPORT (a second service must not join this one's port).
  let bound = libc.bind(fd, addr, addr.length);
  // A reservation tries without SO_REUSEADDR first: another service's reservation
  // is then refused even in the moment before it clears its SO_REUSEADDR. Then
  // with it, past TIME_WAIT connections (which a held reservation never leaves).
  if (bound < 0 && reserve && libc.errno() === EADDRINUSE) {
    if (libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) < 0) return fail();
    bound = libc.bind(fd, addr, addr.length);
  }
  if (bound < 0) return fail();
  if (spec.kind === "tcp") {
    // Set after the bind, SO_REUSEPORT lets this service's workers join the port.
    if (spec.reusePort && libc.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4) < 0) return fail();
    // A reservation drops SO_REUSEADDR again: on a bound, not listening socket it
    // would let any SO_REUSEADDR server bind and listen on the port beside it.
    const zero = new Uint8Array(4);
    if (spec.reserve && libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, zero, 4) < 0) return fail();
  }
  // A reservation is bound, never listening: it takes no connection, and holds the port.
  if (!(spec.kind === "tcp" && spec.reserve) && libc.listen(fd, spec.backlog) < 0) return fail();
  const out = new Uint8Array(128);
  const length = new Uint8Array(new Uint32Array([out.length]).buffer);
  if (libc.getsockname(fd, out, length) < 0) return fail();
  const address = parseSockaddr(out);
  // Report the resolved host as given (the kernel's form of it is the same address).
  if (address.kind === "tcp" && host) return ok({ fd, address: { ...address, host: host.address } });
  return ok({ fd, address: spec.kind === "unix" ? { kind: "unix", path: spec.path } : address });
}

/** `bind` and `close` of a RuntimePort over the libc that `open` loads on first use. */
export function libcSockets(
  runtime: string,
  open: () => LibcSocketFns,
): Pick<RuntimePort, "bind" | "close" | "adopt"> {
  let libc: LibcSocketFns | undefined;
  const load = (spec: SocketSpec): Result<LibcSocketFns, BindFailed> => {
    try {
      libc ??= open();
      return ok(libc);
    } catch (cause) {
      return err(libcUnavailable(spec, runtime, cause));
    }
  };
  return {
    bind(spec) {
      const host: ResultAsync<ResolvedHost | undefined, BindFailed> = spec.kind === "tcp"
        ? resolveBindHost(spec.name, spec.host)
        : okAsync(undefined);
      return host.andThen((resolved) =>
        load(spec).andThen((fns) => bindWithLibc(fns, spec, resolved)).map((bound) => ({ spec, ...bound }))
      );
    },
    adopt(fd, spec) {
      return load(spec).andThen((fns) => {
        const out = new Uint8Array(128);
        const length = new Uint8Array(new Uint32Array([out.length]).buffer);
        if (fns.getsockname(fd, out, length) < 0) return err(adoptError(spec, fd, errnoName(fns.errno())));
        return ok({ spec, fd, address: parseSockaddr(out), adopted: true });
      });
    },
    close(socket) {
      libc?.close(socket.fd);
      removeSocketFile(socket);
    },
  };
}
