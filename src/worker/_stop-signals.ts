/**
 * The graceful stop of `serve()` on every runtime: SIGTERM or SIGINT starts
 * `close()` (a second one only says so), exit 0 once it is done, exit 1 when
 * `BENTO_TIMEOUT_GRACEFUL_SHUTDOWN` passes first (after the last access log
 * lines are out, _log.ts). Then READY=1, unless the
 * caller says it will tell the supervisor itself.
 */
import { notifyReady } from "./_notify.ts";
import { logDrained } from "./_log.ts";
import { setLongTimeout } from "../timer.ts";
import type { ServeHandle, ServeOptions } from "./_serve-types.ts";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
/** How long a stop waits for the access log's last lines to be written (a stalled reader must not hold it). */
const LOG_DRAIN_MS = 1000;

export interface Stoppable {
  readonly fd: number;
  /** Starts (once) the graceful stop; resolves when it is done. */
  close(): Promise<void>;
  /** True once close() was called. */
  closing(): boolean;
  inFlight(): number;
  /** What inFlight() counts, for the log lines (default "request(s)"; gRPC: "call(s)"). */
  readonly unit?: string;
  readonly graceSeconds: number;
}

/** Wires the signals and readiness of a started server; returns its handle. */
export function servingHandle(s: Stoppable, options: ServeOptions): ServeHandle {
  const pid = process.pid;
  const unit = s.unit ?? "request(s)";
  function onSignal(signal: string): void {
    if (s.closing()) return void console.log(`worker ${pid}: ${signal} received again, still shutting down`);
    const grace = s.graceSeconds;
    console.log(
      `worker ${pid}: ${signal} received, finishing ${s.inFlight()} in-flight ${unit} (at most ${grace}s)`,
    );
    const timer = setLongTimeout(() => {
      console.error(
        `worker ${pid}: graceful shutdown timed out after ${grace}s with ${s.inFlight()} ${unit} in flight; exiting`,
      );
      process.exit(1);
    }, grace * 1000);
    void s.close().then(() => logDrained(LOG_DRAIN_MS)).then(() => {
      timer.cancel();
      process.exit(0);
    });
  }
  if (options.handleSignals ?? true) { for (const signal of SIGNALS) process.on(signal, onSignal); }
  if (options.notify ?? true) notifyReady();
  return {
    fd: s.fd,
    close: () =>
      s.close().then(() => {
        for (const signal of SIGNALS) process.off(signal, onSignal);
      }),
  };
}
