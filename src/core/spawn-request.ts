/**
 * From a spawn plan to what the runtime starts: placeholders expanded,
 * sockets as fds 3, 4, ... announced through the systemd protocol, with
 * LISTEN_PID set to the worker's own pid by a tiny `sh` exec shim (no
 * runtime has a pre-exec hook), and the pool's niceness set by `nice -n N`
 * before the worker's own program runs (so whatever it starts inherits it,
 * with no window where it ran at the supervisor's priority).
 */
import { err, ok, type Result } from "neverthrow";
import { type SpawnFailed, spawnFailed } from "./errors.ts";
import { expandArg } from "./command.ts";
import type { ModuleLaunch, SpawnRequest } from "./ports.ts";
import type { BoundSocket, SpawnPlan } from "./types.ts";
import { denoPermissionFlags, REUSEPORT_ENV, tcpAddress } from "./worker-runtime.ts";
import type { LogFormat } from "./log-line.ts";

export const LISTEN_FDS_START = 3;

/**
 * Variables no worker gets, whoever set them (the supervisor's environment, a
 * manifest, a plugin): the admin token, and the TLS key's password (which
 * bento:tls strips too). A worker, and whatever it starts, never holds them.
 */
export const WITHHELD_ENV: readonly string[] = ["BENTO_ADMIN_TOKEN", "BENTO_SSL_KEYFILE_PASSWORD"];
export const LISTEN_PID_SHIM = 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"';
const SHIM_PREFIX = ["/bin/sh", "-c", LISTEN_PID_SHIM, "bento-kit-worker"];
/** nice(1) by its path (coreutils, busybox): a worker's PATH may not hold it (a service run with a narrow PATH). */
export const NICE = "/usr/bin/nice";

/** The worker's own argv in a spawn request: without the LISTEN_PID shim and `nice -n N` in front. */
export function workerArgv(argv: readonly string[]): readonly string[] {
  const shimmed = SHIM_PREFIX.every((a, i) => argv[i] === a) ? argv.slice(SHIM_PREFIX.length) : argv;
  return shimmed[0] === NICE && shimmed[1] === "-n" && /^\d+$/.test(shimmed[2] ?? "") ? shimmed.slice(3) : shimmed;
}

/**
 * Where workers that can write their own log lines write them: the
 * supervisor's stdout (`fd`), in the run's format. A worker finds it in
 * `BENTO_LOG_FD`, `BENTO_LOG_FORMAT` and `BENTO_LOG_POOL` (docs/logs.md).
 */
export interface DirectLog {
  readonly fd: number;
  readonly format: LogFormat;
}

/** How the runtime starts module workers, the instance's run dir (Deno workers may use it), the direct log, the workers' niceness. */
export interface ModuleRunner {
  readonly moduleArgv: (module: string, launch: ModuleLaunch) => readonly string[];
  readonly runDir: string;
  readonly log?: DirectLog;
  /** 0 or absent: the supervisor's own. */
  readonly nice?: number;
}

export function buildSpawnRequest(
  plan: SpawnPlan,
  sockets: ReadonlyMap<string, BoundSocket>,
  runner: ModuleRunner,
): Result<SpawnRequest, SpawnFailed> {
  const bound: BoundSocket[] = [];
  // Sockets the worker binds itself with SO_REUSEPORT (the supervisor holds a reservation): name → tcp://host:port.
  const reusePort: Record<string, string> = Object.create(null); // a runner (and its socket) may be called `__proto__`
  for (const name of plan.sockets) {
    const socket = sockets.get(name);
    if (!socket) {
      return err(
        spawnFailed(
          plan.pool,
          `Pool ${plan.pool} needs socket "${name}", which nothing bound: is the plugin that provides it enabled?`,
        ),
      );
    }
    const address = socket.spec.kind === "tcp" && socket.spec.reserve ? tcpAddress(socket) : undefined;
    if (address !== undefined) reusePort[name] = address;
    else bound.push(socket);
  }
  const fds = new Map(bound.map((s, i) => [s.spec.name, LISTEN_FDS_START + i]));
  const vars = { ...plan.vars, worker_id: String(plan.workerId) };
  const listen = Object.values(reusePort).map((a) => a.slice("tcp://".length));
  const runtimeEnv: Record<string, string> = listen.length > 0 ? { [REUSEPORT_ENV]: JSON.stringify(reusePort) } : {};
  // A Deno worker checks for a newer Deno in the background and says so on stderr: not in a service's log.
  if (plan.command.kind === "module" && plan.command.runtime === "deno") {
    runtimeEnv.DENO_NO_UPDATE_CHECK = plan.env.DENO_NO_UPDATE_CHECK ?? "1";
  }
  const raw = plan.command.kind === "argv" ? plan.command.argv : [
    ...runner.moduleArgv(plan.command.module, {
      runtime: plan.command.runtime ?? "node",
      denoFlags: plan.command.runtime === "deno"
        ? denoPermissionFlags({
          listen,
          env: plan.env,
          cwd: plan.cwd,
          runDir: runner.runDir,
          extra: plan.command.denoPermissions ?? [],
        })
        : [],
    }),
    ...plan.command.args,
  ];
  const expanded = raw.map((arg) => expandArg(arg, { vars, fds, ownSocket: plan.sockets[0] }));
  const unresolved = expanded.flatMap((e) => e.missing)[0];
  if (unresolved !== undefined) {
    return err(
      spawnFailed(
        plan.pool,
        `Pool ${plan.pool}: placeholder ${unresolved} has no value for this pool (set its option, e.g. --timeout for {timeout}, or drop it from the command)`,
      ),
    );
  }
  const nice = runner.nice ? [NICE, "-n", String(runner.nice)] : [];
  const argv = [...nice, ...expanded.map((e) => e.text)];
  // The readiness pipe comes right after the sockets (systemd's fds stay 3..3+N-1).
  const env: Record<string, string> = {
    ...plan.env,
    ...runtimeEnv,
    BENTO_WORKER_ID: String(plan.workerId),
    BENTO_READY_FD: String(LISTEN_FDS_START + bound.length),
  };
  // The direct log comes after the readiness pipe.
  const log = runner.log === undefined ? {} : { logFd: runner.log.fd };
  if (runner.log !== undefined) {
    env.BENTO_LOG_FD = String(LISTEN_FDS_START + bound.length + 1);
    env.BENTO_LOG_FORMAT = runner.log.format;
    env.BENTO_LOG_POOL = plan.pool;
  }
  for (const name of WITHHELD_ENV) delete env[name];
  if (bound.length === 0) {
    return ok({ argv, env, cwd: plan.cwd, fds: [], keepStdin: plan.keepStdin, notify: true, ...log });
  }
  env.LISTEN_FDS = String(bound.length);
  env.LISTEN_FDNAMES = bound.map((s) => s.spec.name).join(":");
  return ok({
    argv: [...SHIM_PREFIX, ...argv],
    env,
    cwd: plan.cwd,
    fds: bound.map((s) => s.fd),
    keepStdin: plan.keepStdin,
    notify: true,
    ...log,
  });
}
