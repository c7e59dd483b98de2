/**
 * The Node.js adapter. Node has no public API to bind a socket without also
 * accepting on it, so bind() uses the internal `net._createServerHandle`
 * (bind only), and a throwaway child process puts the socket in LISTEN state
 * (_listen-helper.ts): the supervisor itself never accepts a connection.
 */
import * as net from "node:net";
import { getSystemErrorName } from "node:util";
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from "neverthrow";
import type { BindFailed } from "../../core/errors.ts";
import type { HttpServeOptions, RuntimePort } from "../../core/ports.ts";
import type { BoundAddress, BoundSocket, SocketSpec } from "../../core/types.ts";
import { adoptError, bindError, ipFamily, resolveBindHost, type ResolvedHost } from "../shared/_bind-errors.ts";
import { readProcessStats } from "../shared/_proc-stats.ts";
import { nodeWatch } from "../shared/_watch-node.ts";
import { withWorkerRuntimes } from "../shared/_worker-runtime.ts";
import {
  aliveGroups,
  groupAlive,
  killGroup,
  removeDir,
  removeSocketFile,
  signalTagged,
} from "../shared/_node-compat.ts";
import { spawnProcess } from "../shared/_spawn-node.ts";
import { serveHttpLazily } from "../shared/_serve-http-lazily.ts";
import { ownNodeTypeScriptWorkers } from "../shared/_typescript-workers.ts";
import { listenInChild, reusePortInChild } from "./_listen-helper.ts";
import { nodeWorkerStdout } from "../shared/_stdout-fd.ts";

interface SockName {
  address?: string;
  port?: number;
}

/** The libuv TCP or Pipe handle returned by `net._createServerHandle`. */
interface ServerHandle {
  readonly fd: number;
  getsockname?(out: SockName): number;
  close(): void;
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: number,
  fd?: number,
  flags?: number,
) => ServerHandle | number;

const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/** libuv's UV_TCP_REUSEPORT, understood by Node builds with libuv 1.49 or later. */
const UV_TCP_REUSEPORT = 2;

export function createNodeRuntime(): RuntimePort {
  const typescript = ownNodeTypeScriptWorkers();
  const handles = new Map<number, { handle: ServerHandle; socket: BoundSocket }>();
  /**
   * Reservations this Node cannot hold (see `reservation`): each probe stays
   * bound until the next spawn, so that the kernel cannot hand the port it
   * just checked to the next socket bound with port 0 (two pools on one port).
   */
  const probes: ServerHandle[] = [];
  const releaseProbes = () => {
    for (const probe of probes.splice(0)) probe.close();
  };
  return {
    name: "node",
    bind(spec) {
      return bindSocket(spec).map(({ handle, socket }) => {
        if (socket.fd === -1) probes.push(handle);
        else handles.set(socket.fd, { handle, socket });
        return socket;
      });
    },
    adopt(fd, spec) {
      return adoptHandle(fd, spec).map((adopted) => {
        handles.set(fd, adopted);
        return adopted.socket;
      });
    },
    close(socket) {
      const held = handles.get(socket.fd);
      handles.delete(socket.fd);
      held?.handle.close();
      removeSocketFile(socket);
    },
    spawn(request) {
      releaseProbes();
      return spawnProcess(request).map((child) => (typescript.watch(request, child), child));
    },
    killGroup,
    groupAlive,
    aliveGroups,
    signalTagged,
    moduleArgv: withWorkerRuntimes(typescript.argv),
    removeDir,
    // The HTTP server is imported when the admin server starts, after the workers: not before the first spawn.
    serveHttp: serveHttpLazily(httpHandle),
    processStats: readProcessStats,
    workerStdout: nodeWorkerStdout,
    watch: nodeWatch,
  };
}

interface Bound {
  readonly handle: ServerHandle;
  readonly socket: BoundSocket;
}

function bindSocket(spec: SocketSpec): ResultAsync<Bound, BindFailed> {
  if (spec.kind === "tcp" && spec.reserve) {
    return resolveBindHost(spec.name, spec.host).andThen((host) => reserveTcp(spec, host));
  }
  const bound = spec.kind === "unix"
    ? bindUnix(spec)
    : resolveBindHost(spec.name, spec.host).andThen((host) => bindTcp(spec, host));
  return bound.andThen((b) =>
    listen(b.handle.fd, spec).map(() => b).mapErr((e) => {
      b.handle.close();
      return e;
    })
  );
}

/** An inherited listening socket as a libuv handle (never listened on here), and where it is bound. */
function adoptHandle(fd: number, spec: SocketSpec): Result<Bound, BindFailed> {
  const handle = createServerHandle("", 0, 4, fd);
  if (typeof handle === "number") return err(adoptError(spec, fd, getSystemErrorName(handle)));
  const out: SockName & { family?: string } = {};
  const tcp = handle.getsockname !== undefined && handle.getsockname(out) === 0 && out.port !== undefined;
  const address: BoundAddress = tcp
    ? { kind: "tcp", host: out.address ?? "", port: out.port ?? 0, family: out.family === "IPv6" ? 6 : 4 }
    : { kind: "unix", path: spec.kind === "unix" ? spec.path : `inherited fd ${fd}` };
  return ok({ handle, socket: { spec, fd, address, adopted: true } });
}

function bindUnix(spec: SocketSpec & { kind: "unix" }): ResultAsync<Bound, BindFailed> {
  const handle = createServerHandle(spec.path, -1, -1);
  if (typeof handle === "number") return errAsync(bindError(spec, getSystemErrorName(handle)));
  return okAsync({ handle, socket: { spec, fd: handle.fd, address: { kind: "unix", path: spec.path } } });
}

/**
 * A reservation for workers that bind the port themselves with SO_REUSEPORT,
 * held bound (never listening). It is bound without SO_REUSEPORT, so the bind
 * fails while anything else holds the port (a listener, or another service's
 * reservation: a second service must not join this one's port), and a perl
 * child then sets SO_REUSEPORT and clears SO_REUSEADDR on it, as the libc
 * adapters do, so that only this service's workers join.
 *
 * Without perl: Node >= 22.12 closes that first socket and binds again with
 * libuv's UV_TCP_REUSEPORT (a service started between the two binds could
 * still join); older Node cannot set SO_REUSEPORT at all, and a socket held
 * without it would keep the workers out: the port was checked free by the
 * bind, the socket is reported with fd -1 (nothing held), and the probe is
 * closed before the next spawn.
 */
function reserveTcp(spec: SocketSpec & { kind: "tcp" }, host: ResolvedHost): ResultAsync<Bound, BindFailed> {
  const asGiven = (b: Bound): Bound => ({ handle: b.handle, socket: { ...b.socket, spec } });
  return bindTcp({ ...spec, reusePort: false }, host).andThen((b): ResultAsync<Bound, BindFailed> => {
    if (!spec.reusePort) return okAsync(b);
    const set = reusePortInChild(b.handle.fd);
    if (set) {
      return ResultAsync.fromSafePromise(set).andThen((e) => {
        if (!e) return okAsync(b);
        b.handle.close();
        return errAsync(bindError(spec, e.code, e.detail));
      });
    }
    if (!libuvAtLeast(1, 49)) return okAsync({ handle: b.handle, socket: { ...b.socket, fd: -1 } });
    b.handle.close();
    return bindTcp({ ...spec, port: b.socket.address.kind === "tcp" ? b.socket.address.port : spec.port }, host);
  }).map(asGiven);
}

function bindTcp(spec: SocketSpec & { kind: "tcp" }, host: ResolvedHost): ResultAsync<Bound, BindFailed> {
  let flags = 0;
  if (spec.reusePort && !(spec.reserve && !libuvAtLeast(1, 49))) {
    if (!libuvAtLeast(1, 49)) {
      return errAsync(bindError(
        spec,
        "ENOTSUP",
        `reusePort needs Node 22.12 or later (this is ${process.version}); ` +
          "drop reusePort or run with Bun or Deno",
      ));
    }
    flags = UV_TCP_REUSEPORT;
  }
  // Two services on one port: a SO_REUSEPORT bind would join another service's listeners (same
  // user), so a fixed port is first bound without it, which fails while anything listens there.
  const inUse = flags === UV_TCP_REUSEPORT && spec.port !== 0 ? bindHandle(host, spec.port, 0) : undefined;
  if (typeof inUse === "string") return errAsync(bindError(spec, inUse));
  inUse?.handle.close();
  const bound = bindHandle(host, spec.port, flags);
  if (typeof bound === "string") return errAsync(bindError(spec, bound));
  const address = { kind: "tcp", host: host.address, port: bound.port, family: host.family } as const;
  return okAsync({ handle: bound.handle, socket: { spec, fd: bound.handle.fd, address } });
}

/** Bind (never listen) `host:port`: the handle and its port, or the error's name. */
function bindHandle(host: ResolvedHost, port: number, flags: number): { handle: ServerHandle; port: number } | string {
  const handle = createServerHandle(host.address, port, host.family, undefined, flags);
  if (typeof handle === "number") return getSystemErrorName(handle);
  // libuv defers EADDRINUSE from bind(2) to the next call on the handle: getsockname reports it.
  const out: SockName = {};
  const err = handle.getsockname?.(out) ?? 0;
  if (err < 0 || out.port === undefined) {
    handle.close();
    return err < 0 ? getSystemErrorName(err) : "EINVAL";
  }
  return { handle, port: out.port };
}

/**
 * The admin server's socket, bound here when its host is an IP literal:
 * node:net's listen() with a host looks it up even then, and the lookup's
 * first isIPv6 compiles a regular expression, 8-10 ms of CPU while the
 * workers start. Undefined for a hostname (node:net looks it up); a string is
 * the bind's errno name.
 */
function httpHandle(options: HttpServeOptions): ServerHandle | string | undefined {
  const family = ipFamily(options.host);
  if (family === 0) return undefined;
  const bound = bindHandle({ address: options.host, family }, options.port, 0);
  return typeof bound === "string" ? bound : bound.handle;
}

/** Put the bound socket `fd` in LISTEN state from a short-lived child (see _listen-helper.ts). */
function listen(fd: number, spec: SocketSpec): ResultAsync<void, BindFailed> {
  return ResultAsync.fromSafePromise(listenInChild(fd, spec.backlog))
    .andThen((e) => (e ? errAsync(bindError(spec, e.code, e.detail)) : okAsync(undefined)));
}

function libuvAtLeast(major: number, minor: number): boolean {
  const [ma = 0, mi = 0] = (process.versions.uv ?? "0.0").split(".").map(Number);
  return ma > major || (ma === major && mi >= minor);
}
