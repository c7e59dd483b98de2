/**
 * Socket activation of the supervisor: the listening sockets it inherited
 * with the systemd protocol (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`;
 * sd_listen_fds(3)) from a systemd `.socket` unit, `systemd-socket-activate`,
 * or the supervisor it replaces (`bento-kit upgrade`), and which of its
 * sockets each one stands for. Pure: the adapters adopt the fds.
 *
 * Matching: an fd named like a socket (`api`, `grpc`, `metrics`, or any
 * socket of the spec) is that socket. Unnamed fds (`LISTEN_FDNAMES` unset, or
 * `unknown`) go, in fd order, to the public sockets in PUBLIC_ORDER that no
 * named fd took: with one unnamed fd, it is `api` (serve), or `grpc`
 * (serve --grpc), whichever the service binds.
 */
import { err, ok, type Result } from "neverthrow";
import { type OptionInvalid, optionInvalid } from "./errors.ts";
import type { SocketSpec } from "./types.ts";

export const LISTEN_FDS_START = 3;
/** The order unnamed fds take public sockets in. */
export const PUBLIC_ORDER: readonly string[] = ["api", "grpc", "metrics"];
/** The variables of the protocol; nothing the supervisor starts inherits them. */
export const ACTIVATION_ENV: readonly string[] = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "LISTEN_PIDFDID"];

export interface ListenFd {
  readonly name: string;
  readonly fd: number;
}

type Env = Readonly<Record<string, string | undefined>>;
const decimal = /^\d+$/;
const UNNAMED = new Set(["", "unknown", "stored"]);

/** The fds this process inherited (sd_listen_fds: only when LISTEN_PID is this pid), or why the variables are wrong. */
export function listenFdsOf(env: Env, pid: number): Result<readonly ListenFd[], OptionInvalid> {
  const listenPid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  if (listenPid === undefined || listenPid === "" || count === undefined || count === "") return ok([]);
  if (!decimal.test(listenPid)) return err(optionInvalid("LISTEN_PID", `expected a process id, got "${listenPid}"`));
  if (Number(listenPid) !== pid) return ok([]);
  if (!decimal.test(count)) return err(optionInvalid("LISTEN_FDS", `expected a number of fds, got "${count}"`));
  const n = Number(count);
  const names = env.LISTEN_FDNAMES === undefined ? Array.from({ length: n }, () => "unknown") : env.LISTEN_FDNAMES
    .split(":");
  if (names.length !== n) {
    return err(optionInvalid(
      "LISTEN_FDNAMES",
      `names ${names.length} fds ("${env.LISTEN_FDNAMES}") but LISTEN_FDS is ${n}: give one name per socket`,
    ));
  }
  return ok(names.map((name, i) => ({ name, fd: LISTEN_FDS_START + i })));
}

/**
 * Which inherited fd each socket of `specs` adopts (socket name to fd).
 * Err: a named fd that no socket of the service has, or more unnamed fds than
 * public sockets (saying which names to give).
 */
export function matchActivated(
  fds: readonly ListenFd[],
  specs: readonly SocketSpec[],
): Result<ReadonlyMap<string, ListenFd>, OptionInvalid> {
  const names = new Set(specs.map((s) => s.name));
  const matched = new Map<string, ListenFd>();
  const unnamed: ListenFd[] = [];
  for (const fd of fds) {
    if (UNNAMED.has(fd.name)) unnamed.push(fd);
    else if (!names.has(fd.name)) {
      return err(optionInvalid(
        "LISTEN_FDNAMES",
        `fd ${fd.fd} is named "${fd.name}", which is no socket of this service: name it one of ${
          [...names].filter((n) => PUBLIC_ORDER.includes(n)).join(", ")
        } (FileDescriptorName= in the .socket unit, --fdname= for systemd-socket-activate)`,
      ));
    } else if (matched.has(fd.name)) {
      return err(optionInvalid("LISTEN_FDNAMES", `two fds are named "${fd.name}": give each socket its own name`));
    } else matched.set(fd.name, fd);
  }
  const free = PUBLIC_ORDER.filter((n) => names.has(n) && !matched.has(n));
  if (unnamed.length > free.length) {
    return err(optionInvalid(
      "LISTEN_FDS",
      `${unnamed.length} unnamed fds, but this service has ${free.length} public socket(s) left to adopt (${
        free.join(", ") || "none"
      }): name each fd (FileDescriptorName=api, grpc or metrics)`,
    ));
  }
  unnamed.forEach((fd, i) => matched.set(free[i]!, fd));
  return ok(matched);
}
