/**
 * Hot upgrade, the side of the supervisor being replaced (`bento-kit upgrade`,
 * SIGUSR2): start a new supervisor (the bento-kit on disk now, run the way
 * this one was: /proc/self/cmdline, same directory, same environment and
 * hidden variables) with every held public socket (api, grpc, metrics, or a start-* command's own) as inherited fds 3, 4, ...
 * announced through the systemd protocol (LISTEN_PID set by the same `sh`
 * exec shim as the workers'), so that it adopts them (_activation.ts) instead
 * of binding; runner sockets are private and the new one makes its own. It
 * reports on a pipe (_upgraded.ts): `READY=1` once every worker of its is
 * ready, then this one drains (a graceful stop of its workers) and exits;
 * `FAILED=why` or an exit first, or no word within the timeout (its process
 * group is then stopped), and this one keeps serving and says why.
 */
import { readFileSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";
import { PUBLIC_ORDER } from "../core/activation.ts";
import { type ControlError, operationInProgress, upgradeFailed } from "../core/control.ts";
import type { Logger } from "../core/logger.ts";
import type { ChildProcessHandle, RuntimePort } from "../core/ports.ts";
import { LISTEN_PID_SHIM } from "../core/spawn-request.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { LAUNCHER_VARS } from "./_launcher.ts";
import { hiddenEnv } from "./_secret-env.ts";
import { UPGRADE_FD_ENV } from "./_activation.ts";

/** How long the new supervisor may take to have every worker ready. */
export const UPGRADE_TIMEOUT_MS = 120_000;

export interface Successor {
  readonly pid: number;
  /** Its exit code (128 + signal number when a signal ended it). */
  readonly exited: Promise<number>;
}

export interface Upgrader {
  upgrade(): Promise<Result<{ readonly pid: number }, ControlError>>;
  /** The supervisor that took over, once one did. */
  readonly successor: Successor | undefined;
}

export function createUpgrader(
  supervisor: Supervisor,
  runtime: RuntimePort,
  logger: Logger,
  timeoutMs = UPGRADE_TIMEOUT_MS,
): Upgrader {
  let running = false;
  let successor: Successor | undefined;
  const fail = (why: string, pid?: number) => {
    const error = upgradeFailed(why);
    logger.error(error.message);
    supervisor.announce({ type: "upgrade", phase: "failed", pid, message: error.message });
    return err(error);
  };
  return {
    get successor() {
      return successor;
    },
    async upgrade() {
      if (running || successor) {
        const busy = operationInProgress("service", "supervisor upgrade");
        logger.warn(busy.message);
        return err(busy);
      }
      running = true;
      try {
        // The public sockets: runner sockets are private (the new supervisor binds its own, its runner map says where).
        const handed = (name: string) => name === supervisor.spec.publicSocket || PUBLIC_ORDER.includes(name);
        const sockets = [...supervisor.sockets.values()].filter((s) => s.fd >= 0 && handed(s.spec.name));
        const argv = ownArgv();
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
        // Its parent is this supervisor, which exits once it has taken over: no launcher to watch (_launcher.ts).
        for (const name of LAUNCHER_VARS) delete env[name];
        Object.assign(env, hiddenEnv(), {
          LISTEN_FDS: String(sockets.length),
          LISTEN_FDNAMES: sockets.map((s) => s.spec.name).join(":"),
          [UPGRADE_FD_ENV]: String(3 + sockets.length),
        });
        const spawned = await runtime.spawn({
          argv: ["/bin/sh", "-c", LISTEN_PID_SHIM, "bento-kit-upgrade", ...argv],
          env,
          cwd: process.cwd(),
          fds: sockets.map((s) => s.fd),
          keepStdin: false,
          inheritOutput: true,
          notify: true,
        });
        if (spawned.isErr()) return fail(`cannot start ${argv[0]}: ${spawned.error.message}`);
        const child = spawned.value;
        logger.info(
          `Upgrade: started a new supervisor (pid ${child.pid}) with ${
            sockets.map((s) => s.spec.name).join(", ") || "no"
          } socket(s): waiting until its workers are ready`,
        );
        supervisor.announce({ type: "upgrade", phase: "begin", pid: child.pid });
        const outcome = await outcomeOf(child, timeoutMs);
        if (outcome.kind !== "ready") {
          if (outcome.kind === "timeout") runtime.killGroup(child.pid, "SIGTERM");
          return fail(outcome.why, child.pid);
        }
        successor = { pid: child.pid, exited: outcome.exited };
        logger.info(`Upgrade: supervisor pid ${child.pid} is ready; this one (pid ${process.pid}) drains and exits`);
        supervisor.announce({ type: "upgrade", phase: "ready", pid: child.pid });
        return ok({ pid: child.pid });
      } finally {
        running = false;
      }
    },
  };
}

type Outcome =
  | { readonly kind: "ready"; readonly exited: Promise<number> }
  | { readonly kind: "failed" | "timeout"; readonly why: string };

/** What the new supervisor says first: ready, why it failed, its exit, or nothing within `ms`. */
function outcomeOf(child: ChildProcessHandle, ms: number): Promise<Outcome> {
  let said: string | undefined;
  let exitCode!: (code: number) => void;
  const exited = new Promise<number>((r) => (exitCode = r));
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ kind: "timeout", why: `the new supervisor was not ready after ${ms / 1000} s: it is stopped` }),
      ms,
    );
    child.onNotify?.((line) => {
      if (line === "READY=1") {
        clearTimeout(timer);
        resolve({ kind: "ready", exited });
      } else if (line.startsWith("FAILED=")) said = line.slice("FAILED=".length);
    });
    child.onExit((code, signal) => {
      clearTimeout(timer);
      exitCode(code ?? 128 + signalNumber(signal));
      const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve({ kind: "failed", why: said ?? `the new supervisor ${how} before it was ready` });
    });
  });
}

function signalNumber(signal: string | null): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal ?? ""] ?? 0;
}

/** This process's command line as the kernel started it (Node, Bun and Deno flags included). */
function ownArgv(): string[] {
  try {
    const parts = readFileSync("/proc/self/cmdline", "utf8").split("\0");
    if (parts.at(-1) === "") parts.pop();
    if (parts.length > 0) return parts;
  } catch { /* no /proc: rebuilt below */ }
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

/**
 * After handing over: without a terminal this process just exits (the new
 * supervisor runs on, re-parented). In a terminal it stays as a thin parent,
 * the shell's foreground job: Ctrl+C (SIGINT to this process group), SIGTERM
 * and SIGHUP are passed to the new supervisor (which runs in a session of its
 * own), and this process exits with its exit code.
 */
export async function followSuccessor(successor: Successor, logger: Logger, inTerminal: boolean): Promise<void> {
  if (!inTerminal) return;
  logger.info(`Upgrade: this process stays in the terminal for supervisor pid ${successor.pid} (Ctrl+C reaches it)`);
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(successor.pid, signal);
    } catch { /* already gone */ }
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, forward);
  process.exitCode = await successor.exited;
  for (const s of signals) process.off(s, forward);
}
