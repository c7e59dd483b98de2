/**
 * What `GET /v1/service` tells about the running service: pure data that the
 * command starting the admin server describes once (`describeService`).
 */
import type { BoundSocket, Command, LaunchSpec } from "../core/types.ts";

export interface SocketInfo {
  readonly name: string;
  readonly kind: "tcp" | "unix";
  /** `tcp://host:port` or `unix:///path.sock`, as bound (port 0 resolved). */
  readonly address: string;
}

export interface PoolInfo {
  readonly name: string;
  readonly role: string;
  readonly command: { readonly kind: "argv" | "module"; readonly argv: readonly string[] };
  readonly env: Readonly<Record<string, string>>;
  readonly workerEnv: readonly Readonly<Record<string, string>>[];
  readonly cwd: string;
  readonly sockets: readonly string[];
}

export interface ServiceInfo {
  readonly name: string;
  /** The bento-kit command that runs it: serve, start-runner-server, ... */
  readonly command: string;
  readonly version: string;
  /** The supervisor's pid. */
  readonly pid: number;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly runtime: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly sockets: readonly SocketInfo[];
  readonly pools: readonly PoolInfo[];
}

export interface DescribeServiceOptions {
  readonly spec: LaunchSpec;
  /** The resolved options of the command (e.g. ServeOptions). */
  readonly options: object;
  readonly sockets: Iterable<BoundSocket>;
  readonly version: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly runtime: string;
}

export function describeService(o: DescribeServiceOptions): ServiceInfo {
  return {
    name: o.spec.service,
    command: o.spec.command,
    version: o.version,
    pid: o.pid,
    startedAt: o.startedAt,
    runtime: o.runtime,
    options: { ...o.options },
    sockets: [...o.sockets].map(socketInfo),
    pools: o.spec.watchers.map((w) => ({
      name: w.name,
      role: w.role,
      command: commandInfo(w.command),
      env: w.env,
      workerEnv: w.workerEnv,
      cwd: w.cwd,
      sockets: w.sockets,
    })),
  };
}

function socketInfo(s: BoundSocket): SocketInfo {
  const a = s.address;
  if (a.kind === "unix") return { name: s.spec.name, kind: "unix", address: `unix://${a.path}` };
  return { name: s.spec.name, kind: "tcp", address: `tcp://${a.family === 6 ? `[${a.host}]` : a.host}:${a.port}` };
}

function commandInfo(c: Command): PoolInfo["command"] {
  return c.kind === "argv" ? { kind: "argv", argv: c.argv } : { kind: "module", argv: [c.module, ...c.args] };
}
