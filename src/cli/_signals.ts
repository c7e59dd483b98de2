/**
 * SIGINT/SIGTERM start a graceful stop; a second SIGINT (or SIGTERM) sends
 * SIGKILL to every worker's process group at once.
 */
import type { Logger } from "../core/logger.ts";
import type { Supervisor } from "../core/supervisor.ts";

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
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
