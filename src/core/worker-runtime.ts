/**
 * Which runtime runs a module worker, and what follows from it. Node workers
 * adopt the sockets the supervisor holds (inherited fds). Bun and Deno
 * servers cannot (oven-sh/bun#22559, denoland/deno#14006): their pools'
 * sockets become reservations, TCP ports the supervisor binds with
 * SO_REUSEPORT and never listens on, and each worker listens on the same
 * host:port with `reusePort` (a runner's Unix socket becomes loopback TCP).
 * Deno workers run with the least permissions they need plus the pool's
 * `denoPermissions`, never -A unless a pool writes it.
 */
import type { RuntimeName } from "./ports.ts";
import type { BoundSocket, Command, LaunchSpec, PoolRole, SocketSpec, WatcherSpec, WorkerRuntime } from "./types.ts";

export type { ModuleLaunch } from "./ports.ts";

/** The env variable naming the sockets a worker listens on itself: `{"api":"tcp://0.0.0.0:3000"}`. */
export const REUSEPORT_ENV = "BENTO_REUSEPORT_SOCKETS";

/**
 * The runtime of a module command: its own `runtime`, else the supervisor's.
 * gRPC and metrics pools default to Node: grpc-js takes connections from a
 * `net.Server` on an inherited fd.
 */
export function workerRuntimeOf(command: Command, role: PoolRole, supervisor: RuntimeName): WorkerRuntime | undefined {
  if (command.kind !== "module") return undefined;
  return command.runtime ?? (role === "grpc" || role === "metrics" ? "node" : supervisor);
}

/** Only Node servers listen on an inherited fd. */
export function adoptsFds(runtime: WorkerRuntime | undefined): boolean {
  return runtime === undefined || runtime === "node";
}

/**
 * The spec with every module command's runtime filled in, and the sockets of
 * pools whose workers cannot adopt an fd made SO_REUSEPORT reservations.
 */
export function resolveWorkerRuntimes(spec: LaunchSpec, supervisor: RuntimeName): LaunchSpec {
  const reserved = new Set<string>();
  const watchers = spec.watchers.map((w): WatcherSpec => {
    const runtime = workerRuntimeOf(w.command, w.role, supervisor);
    if (runtime === undefined || w.command.kind !== "module") return w;
    if (!adoptsFds(runtime)) { for (const name of w.sockets) reserved.add(name); }
    return { ...w, command: { ...w.command, runtime } };
  });
  const sockets = spec.sockets.map((s): SocketSpec => (reserved.has(s.name) ? reservation(s) : s));
  return { ...spec, watchers, sockets };
}

function reservation(s: SocketSpec): SocketSpec {
  const tcp = s.kind === "tcp"
    ? s
    : { kind: "tcp" as const, name: s.name, host: "127.0.0.1", port: 0, backlog: s.backlog };
  return { ...tcp, reusePort: true, reserve: true };
}

/** `tcp://host:port` of a bound TCP socket (IPv6 in brackets). */
export function tcpAddress(socket: BoundSocket): string | undefined {
  const a = socket.address;
  if (a.kind !== "tcp") return undefined;
  return `tcp://${a.family === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

export interface DenoGrantInput {
  /** `host:port` the worker listens on. */
  readonly listen: readonly string[];
  /** The worker's env: runner addresses, TLS files and metrics dirs are read from it. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The instance's private run dir (Unix sockets, metrics, the decrypted TLS key). */
  readonly runDir: string;
  readonly extra: readonly string[];
}

/**
 * The least a Deno worker needs: SO_REUSEPORT (`--unstable-net`), to listen
 * on its own host:port and reach its runners (`--allow-net` of those
 * addresses; Deno grants a Unix socket by its exact path, as `unix:PATH`), to
 * read its working dir, TLS files and the run dir, to write in the run dir
 * (its metrics socket), and its environment (which the supervisor built).
 * An API or runner worker answering `/metrics` asks the socket of every worker slot,
 * including slots a scale-up adds later: Deno has no grant for "the Unix
 * sockets in this dir", so it gets `--allow-net` whole. Plus the pool's own
 * flags; never a prompt.
 */
export function denoPermissionFlags(input: DenoGrantInput): string[] {
  const runners = runnerAddresses(input.env.BENTO_RUNNER_MAP);
  const metrics = input.env.PROMETHEUS_MULTIPROC_DIR ? [`unix:${input.env.PROMETHEUS_MULTIPROC_DIR}/metrics.sock`] : [];
  const pool = input.env.BENTO_POOL ?? "";
  const scrapes = Boolean(input.env.BENTO_METRICS_DIR) && (pool === "api_server" || pool.startsWith("runner:"));
  const net = scrapes ? [] : [...input.listen, ...runners.hosts, ...runners.paths.map((p) => `unix:${p}`), ...metrics];
  const read = [
    input.cwd,
    input.runDir,
    ...runners.paths,
    ...["BENTO_SSL_CERTFILE", "BENTO_SSL_KEYFILE", "BENTO_SSL_CA_CERTS"]
      .map((k) => input.env[k]).filter((v): v is string => Boolean(v)),
  ];
  const write = [input.runDir, ...runners.paths];
  const flags = [
    "--unstable-net",
    "--no-prompt",
    "--allow-env",
    `--allow-read=${unique(read).join(",")}`,
    `--allow-write=${unique(write).join(",")}`,
  ];
  if (scrapes) flags.push("--allow-net");
  else if (net.length > 0) flags.push(`--allow-net=${unique(net).join(",")}`);
  return [...flags, ...input.extra];
}

/** `host:port` of every TCP runner in a runner map, and the path of every Unix one. */
function runnerAddresses(map: string | undefined): { hosts: string[]; paths: string[] } {
  const out = { hosts: [] as string[], paths: [] as string[] };
  if (!map) return out;
  try {
    for (const address of Object.values(JSON.parse(map) as Record<string, string>)) {
      if (address.startsWith("tcp://")) out.hosts.push(address.slice("tcp://".length));
      else if (address.startsWith("unix://")) out.paths.push(address.slice("unix://".length));
    }
  } catch { /* the worker reports a bad map itself */ }
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
