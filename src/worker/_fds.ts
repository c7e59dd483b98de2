/**
 * Inherited listening sockets, announced with the systemd protocol
 * (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`; see sd_listen_fds(3)).
 */
import { parseRunnerAddress } from "./_address.ts";
import { workerEnvError } from "./_errors.ts";

/** The first inherited socket is fd 3 (`SD_LISTEN_FDS_START`), as the supervisor hands them out. */
export { LISTEN_FDS_START } from "../core/spawn-request.ts";
import { LISTEN_FDS_START } from "../core/spawn-request.ts";

/** One inherited listening socket: its name from `LISTEN_FDNAMES` and its fd. */
export interface ListenFd {
  readonly name: string;
  readonly fd: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const decimal = /^\d+$/;

/**
 * The listening sockets this process inherited, in fd order (3, 4, ...).
 *
 * Follows `sd_listen_fds_with_names()`: the variables are honoured only when
 * `LISTEN_PID` equals `pid`, so a child process that merely inherited the
 * environment sees `[]`. Names are `"unknown"` when `LISTEN_FDNAMES` is unset.
 * Throws a `WorkerEnvInvalid` error when a variable is malformed or the number
 * of names does not match `LISTEN_FDS`.
 */
export function listenFds(env: Env = process.env, pid: number = process.pid): ListenFd[] {
  const listenPid = env.LISTEN_PID;
  if (listenPid === undefined || listenPid === "") return [];
  if (!decimal.test(listenPid)) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `LISTEN_PID must be a process id (digits only), got "${listenPid}"`,
      "LISTEN_PID",
    );
  }
  if (Number(listenPid) !== pid) return [];
  const count = env.LISTEN_FDS;
  if (count === undefined || count === "") return [];
  if (!decimal.test(count)) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `LISTEN_FDS must be the number of inherited sockets (digits only), got "${count}"`,
      "LISTEN_FDS",
    );
  }
  const n = Number(count);
  const names = fdNames(env.LISTEN_FDNAMES, n);
  return names.map((name, i) => ({ name, fd: LISTEN_FDS_START + i }));
}

function fdNames(raw: string | undefined, n: number): string[] {
  if (raw === undefined) return Array.from({ length: n }, () => "unknown");
  const names = n === 0 && raw === "" ? [] : raw.split(":");
  if (names.length !== n) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `LISTEN_FDNAMES has ${names.length} name(s) ("${raw}") but LISTEN_FDS is ${n}: ` +
        "give one colon-separated name per inherited socket",
      "LISTEN_FDNAMES",
    );
  }
  return names.map((name) => (name === "" ? "unknown" : name));
}

/**
 * The fd of the inherited socket called `name`, or of the only one when no
 * name is given. Throws a `SocketNotFound` error naming the sockets that are
 * available (or saying that none were passed to this process).
 */
export function getSocketFd(name?: string, env: Env = process.env, pid: number = process.pid): number {
  const fds = listenFds(env, pid);
  if (fds.length === 0) {
    throw workerEnvError(
      "SocketNotFound",
      `No listening socket was passed to this process (pid ${pid})` +
        (name === undefined ? "" : ` so there is no socket "${name}"`) +
        ": LISTEN_FDS/LISTEN_PID are unset or announce another pid. Start the worker " +
        "with bento-kit, or pass the socket's fd explicitly (e.g. serve(app.fetch, { fd }))",
      "LISTEN_FDS",
    );
  }
  if (name === undefined) {
    const [only] = fds;
    if (fds.length === 1 && only !== undefined) return only.fd;
    throw workerEnvError(
      "SocketNotFound",
      `This process inherited ${fds.length} sockets (${describe(fds)}): ` +
        "pass the name of the one to use",
      "LISTEN_FDNAMES",
    );
  }
  const found = fds.find((s) => s.name === name);
  if (found !== undefined) return found.fd;
  throw workerEnvError(
    "SocketNotFound",
    `No inherited socket is named "${name}"; available: ${describe(fds)}`,
    "LISTEN_FDNAMES",
  );
}

function describe(fds: readonly ListenFd[]): string {
  return fds.map((s) => `"${s.name}" (fd ${s.fd})`).join(", ");
}

/**
 * Where a Bun or Deno worker listens itself, with SO_REUSEPORT, on the port
 * the supervisor reserved for its pool (`BENTO_REUSEPORT_SOCKETS`, e.g.
 * `{"api":"tcp://0.0.0.0:3000"}`): the socket called `name`, or the only one.
 * Undefined when the variable is unset or names no such socket.
 */
export function reusePortTarget(name?: string, env: Env = process.env): { host: string; port: number } | undefined {
  const raw = env.BENTO_REUSEPORT_SOCKETS;
  if (raw === undefined || raw === "") return undefined;
  let sockets: Record<string, unknown>;
  try {
    sockets = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw workerEnvError("WorkerEnvInvalid", `BENTO_REUSEPORT_SOCKETS is not JSON: ${raw}`, "BENTO_REUSEPORT_SOCKETS");
  }
  const entries = Object.entries(sockets);
  const address = name === undefined
    ? (entries.length === 1 ? entries[0]![1] : undefined)
    : Object.hasOwn(sockets, name)
    ? sockets[name]
    : undefined;
  if (typeof address !== "string") return undefined;
  const target = parseRunnerAddress(address);
  if (typeof target === "string" || !("host" in target)) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_REUSEPORT_SOCKETS has a bad address ${address}: expected tcp://host:port`,
      "BENTO_REUSEPORT_SOCKETS",
    );
  }
  return { host: target.host, port: target.port };
}
