/**
 * How the supervisor prints a line, its own or a worker's: `text`, as BentoML
 * (`2026-11-25T19:40:00+0000 [INFO] [cli] message`, and worker lines
 * `2026-11-25T19:40:00+0000 [api_server:1] line`), or `json`, one object per
 * line: `{"time","level","pool"?,"worker"?,"pid"?,"stream"?,"tag"?,"msg"}`.
 *
 * A worker line's level is the one it starts with (`INFO:`, `[WARNING]`,
 * `ERROR ...`, as uvicorn and Python's logging print), else `info` for stdout
 * and `error` for stderr (a traceback has no level word).
 */
import type { WorkerLine } from "../../core/types.ts";

export type LogFormat = "text" | "json";
export type Level = "debug" | "info" | "warning" | "error" | "critical";

let current: LogFormat = "text";

/** The format of this run (set once by the command, read by the logger and the error printer). */
export function setLogFormat(format: LogFormat): void {
  current = format;
}

export function logFormat(): LogFormat {
  return current;
}

/** BentoML's date format: `%Y-%m-%dT%H:%M:%S%z` in UTC. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+0000");
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
  if (current === "text") return `${timestamp(date)} [${from.pool}:${from.workerId}] ${from.text}`;
  return JSON.stringify({
    time: date.toISOString(),
    level: workerLevel(stream, from.text),
    pool: from.pool,
    worker: from.workerId,
    pid: from.pid,
    stream,
    msg: from.text,
  });
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

const WORDS = "DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL";
const LEVEL_WORD = new RegExp(`^\\s*\\[?(${WORDS})\\b|\\[(${WORDS})\\]`, "i");

function workerLevel(stream: "stdout" | "stderr", text: string): Level {
  const m = text.match(LEVEL_WORD);
  const word = (m?.[1] ?? m?.[2])?.toLowerCase();
  if (word === "warn") return "warning";
  if (word === "fatal") return "critical";
  if (word !== undefined) return word as Level;
  return stream === "stderr" ? "error" : "info";
}
