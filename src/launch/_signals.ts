/**
 * Stop signals, listened for from the first moment of `serve`: SIGINT and
 * SIGTERM start a graceful stop; a second one sends SIGKILL to every worker's
 * process group at once. SIGHUP depends on how `serve` runs: in a terminal it
 * means the terminal went away, so it stops like SIGTERM; without one (systemd,
 * a container, nohup) it is the operator's "reload", as for gunicorn and
 * nginx, the same as `bento-kit reload` (`_service-reload.ts`): the TLS files
 * read again and checked, then a rolling restart of every pool, runners first. SIGQUIT stops at
 * once (SIGKILL to every worker, as gunicorn's quick shutdown). SIGUSR2 is a
 * hot upgrade (_upgrade.ts, as nginx's binary upgrade) once the supervisor
 * runs, logged and ignored before. SIGUSR1 is logged and ignored (Node would
 * open its inspector on it; Bun and Deno would die). A repeat of the same signal within
 * REPEAT_WINDOW_MS is the same key press (bunx forwards the terminal's SIGINT
 * that the process group already got). A signal that comes before the
 * supervisor exists stops it as soon as it is attached; a launcher (npm, npx)
 * that goes away counts as SIGTERM (see `_launcher.ts`). If the supervisor
 * itself crashes, its workers are killed and its run dir is removed before it
 * exits, so nothing is left behind.
 */
import type { Logger } from "../core/logger.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { exitProcess } from "./_exit-guard.ts";
import { watchLauncher } from "./_launcher.ts";
import type { ServiceReload } from "./_service-reload.ts";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;
const IGNORED_SIGNALS = ["SIGUSR1", "SIGUSR2"] as const;
/** Two deliveries of one Ctrl+C (the group's and a launcher's) come within a few ms. */
export const REPEAT_WINDOW_MS = 500;

export interface StopSignals {
  /** True once a stop signal came. */
  readonly requested: boolean;
  /** `reload`: what SIGHUP without a terminal does (TLS files read again, every pool rolled). */
  attach(supervisor: Supervisor, cleanup: () => void, reload: ServiceReload): void;
  /** SIGUSR2 from now on: a hot upgrade (as nginx's binary upgrade). */
  onUpgrade(upgrade: () => void): void;
  release(): void;
}

/** Asked only when SIGHUP comes: creating process.stdout takes about 10 ms on Bun. */
const startedInTerminal = (): boolean => Boolean(process.stdin.isTTY || process.stdout.isTTY);

export function listenForStop(logger: Logger, inTerminal = startedInTerminal): StopSignals {
  let received = 0;
  let supervisor: Supervisor | undefined;
  let cleanup = () => {};
  let reload: ServiceReload | undefined;
  let first: { signal: string; at: number } | undefined;
  const onSignal = (signal: string) => {
    if (signal === "SIGHUP" && reload && !inTerminal() && received === 0) return void reload("SIGHUP");
    const now = Date.now();
    if (signal !== "SIGQUIT" && first?.signal === signal && now - first.at < REPEAT_WINDOW_MS) return;
    first ??= { signal, at: now };
    received += 1;
    if (signal === "SIGQUIT") {
      logger.warn("Got SIGQUIT: stopping at once (SIGKILL to every worker)");
      void supervisor?.stop();
      supervisor?.kill();
    } else if (received === 1) {
      logger.info(`Got ${signal}: stopping gracefully (press Ctrl+C again to kill the workers now)`);
      void supervisor?.stop();
    } else {
      logger.warn(`Got ${signal} again: killing every worker now`);
      supervisor?.kill();
    }
  };
  const onCrash = (error: unknown) => {
    logger.error(
      `bento-kit crashed, killing every worker: ${
        error instanceof Error ? error.stack ?? error.message : String(error)
      }`,
    );
    supervisor?.kill();
    cleanup();
    exitProcess(1);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  let upgrade: (() => void) | undefined;
  const onIgnored = (signal: string) => {
    if (signal === "SIGUSR2" && upgrade && received === 0) {
      logger.info("Got SIGUSR2: upgrading the supervisor (a new one takes over every socket)");
      return upgrade();
    }
    logger.info(`Got ${signal}: ignored (it has no meaning for bento-kit)`);
  };
  for (const s of IGNORED_SIGNALS) process.on(s, onIgnored);
  const launcher = watchLauncher(() => {
    logger.info("The launcher (npm, npx) that started bento-kit is gone: stopping gracefully");
    onSignal("SIGTERM");
  });
  // The entry point's "exit now" handlers go only once these are in place.
  (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for("bento-kit.early-stop")]?.();
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  return {
    get requested() {
      return received > 0;
    },
    attach(next, nextCleanup, nextReload) {
      supervisor = next;
      cleanup = nextCleanup;
      reload = nextReload;
      if (received > 0) void next.stop();
    },
    onUpgrade(next) {
      upgrade = next;
    },
    release() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      for (const s of IGNORED_SIGNALS) process.off(s, onIgnored);
      launcher.cancel();
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    },
  };
}
