/**
 * How the supervisor prints a line, its own or a worker's: `text`, as BentoML
 * (`2026-11-25T19:40:00+0000 [INFO] [cli] message`, and worker lines
 * `2026-11-25T19:40:00+0000 [api_server:1] line`), or `json`, one object per
 * line: `{"time","level","pool"?,"worker"?,"pid"?,"stream"?,"tag"?,"msg"}`.
 * Worker lines are formatted by src/core/log-line.ts, which bento-kit/worker
 * shares to write its own lines in the same shape.
 */
import type { WorkerLine } from "../../core/types.ts";
import { formatWorkerLineAs, type Level, type LogFormat, timestamp } from "../../core/log-line.ts";

export type { Level, LogFormat } from "../../core/log-line.ts";

let current: LogFormat = "text";

/** The format of this run (set once by the command, read by the logger and the error printer). */
export function setLogFormat(format: LogFormat): void {
  current = format;
}

export function logFormat(): LogFormat {
  return current;
}

const TEXT_LEVEL: Record<Level, string> = {
  debug: "DEBUG",
  info: "INFO",
  warning: "WARNING",
  error: "ERROR",
  critical: "CRITICAL",
};

/** One of the supervisor's own lines, newline included. */
export function formatLogLine(level: Level, tag: string | undefined, msg: string, date: Date = new Date()): string {
  if (current === "json") {
    return `${JSON.stringify({ time: date.toISOString(), level, ...(tag ? { tag } : {}), msg })}\n`;
  }
  return `${timestamp(date)} [${TEXT_LEVEL[level]}]${tag ? ` [${tag}]` : ""} ${msg}\n`;
}

/** One worker line, without newline. */
export function formatWorkerLine(stream: "stdout" | "stderr", from: WorkerLine, date: Date = new Date()): string {
  return formatWorkerLineAs(current, stream, from, date);
}

/** A line of the supervisor's about a worker (e.g. the crash-output summary), as the worker's own lines look. */
export function formatNote(from: Omit<WorkerLine, "text">, msg: string, date: Date = new Date()): string {
  if (current === "text") return `${timestamp(date)} [${from.pool}:${from.workerId}] ${msg}`;
  return JSON.stringify({
    time: date.toISOString(),
    level: "info",
    pool: from.pool,
    worker: from.workerId,
    pid: from.pid,
    tag: "bento-kit",
    msg,
  });
}
