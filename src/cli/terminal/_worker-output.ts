/**
 * Worker lines on their way out: a crash loop's repeated output shown once
 * (_crash-dedupe.ts), then each line stamped with its time and formatted as
 * text or JSON (_log-format.ts), then written without blocking (_output.ts).
 */
import type { SupervisorEvent } from "../../core/events.ts";
import type { WorkerLine } from "../../core/types.ts";
import { createCrashDedupe } from "./_crash-dedupe.ts";
import { formatNote, formatWorkerLine } from "./_log-format.ts";

type Stream = "stdout" | "stderr";

export interface WorkerOutput {
  /** The supervisor's `output` option. */
  line(stream: Stream, line: string, from?: WorkerLine): void;
  /** Feed it the supervisor's events (exits end a process's output). */
  event(event: SupervisorEvent): void;
  /** Print what is held back; call once the supervisor stopped. */
  flush(): void;
}

export function createWorkerOutput(
  write: (stream: Stream, line: string) => void,
  options: { holdMs?: number } = {},
): WorkerOutput {
  const dedupe = createCrashDedupe({
    line: (stream, from, date) => write(stream, formatWorkerLine(stream, from, date)),
    note: (who, message, date) => write("stdout", formatNote(who, message, date)),
  }, options);
  // Ticks only while lines are held back: an idle supervisor is not woken 4 times a second for nothing.
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = (): void => {
    dedupe.tick(Date.now());
    if (!dedupe.holding()) (clearInterval(timer), timer = undefined);
  };
  return {
    line(stream, line, from) {
      if (from === undefined) return write(stream, line);
      dedupe.line(stream, from, Date.now());
      if (timer === undefined && dedupe.holding()) {
        timer = setInterval(tick, 250);
        (timer as { unref?: () => void }).unref?.();
      }
    },
    event(event) {
      if (event.type === "exit") {
        dedupe.exited({ pool: event.exit.pool, workerId: event.exit.workerId, pid: event.exit.pid }, Date.now());
      }
    },
    flush() {
      clearInterval(timer);
      timer = undefined;
      dedupe.flush(Date.now());
    },
  };
}
