/**
 * What `GET /v1/service` tells about the running service: pure data that the
 * command starting the admin server describes once (`describeService`).
 * As little as an operator needs: of a pool's environment only the NAMES of
 * the variables set for it (by the manifest, bento-kit and plugins), never a
 * value, and nothing of the supervisor's own environment, which every worker
 * inherits. Argv and options are redacted on the way out (`_redact.ts`).
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
  /** Names of the variables set for the pool (not those inherited from the supervisor), sorted. */
  readonly env: readonly string[];
  /** Per worker: names of the variables set for that worker only. */
  readonly workerEnv: readonly (readonly string[])[];
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
  /** The supervisor's environment: a pool variable with the same value is inherited, not listed. */
  readonly environ?: Readonly<Record<string, string | undefined>>;
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
      env: namesSet(w.env, o.environ ?? {}),
      workerEnv: w.workerEnv.map((e) => Object.keys(e).sort()),
      cwd: w.cwd,
      sockets: w.sockets,
    })),
  };
}

function namesSet(env: Readonly<Record<string, string>>, environ: NonNullable<DescribeServiceOptions["environ"]>) {
  return Object.keys(env).filter((k) => environ[k] !== env[k]).sort();
}

function socketInfo(s: BoundSocket): SocketInfo {
  const a = s.address;
  if (a.kind === "unix") return { name: s.spec.name, kind: "unix", address: `unix://${a.path}` };
  return { name: s.spec.name, kind: "tcp", address: `tcp://${a.family === 6 ? `[${a.host}]` : a.host}:${a.port}` };
}

function commandInfo(c: Command): PoolInfo["command"] {
  return c.kind === "argv" ? { kind: "argv", argv: c.argv } : { kind: "module", argv: [c.module, ...c.args] };
}
