/**
 * SIGINT, SIGTERM and SIGHUP (the terminal went away) start a graceful stop;
 * a second one sends SIGKILL to every worker's process group at once. If the
 * supervisor itself crashes, its workers are killed before it exits, so
 * nothing is left running.
 */
import type { Logger } from "../core/logger.ts";
import type { Supervisor } from "../core/supervisor.ts";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function handleStopSignals(supervisor: Supervisor, logger: Logger): () => void {
  let received = 0;
  const onSignal = (signal: string) => {
    received += 1;
    if (received === 1) {
      logger.info(`Got ${signal}: stopping gracefully (press Ctrl+C again to kill the workers now)`);
      void supervisor.stop();
    } else {
      logger.warn(`Got ${signal} again: killing every worker now`);
      supervisor.kill();
    }
  };
  const onCrash = (error: unknown) => {
    logger.error(`bento-kit crashed, killing every worker: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    supervisor.kill();
    process.exit(1);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  };
}
