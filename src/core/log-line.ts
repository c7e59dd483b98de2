/**
 * How a worker's line looks in the service's log, in either format: `text`,
 * as BentoML (`2026-11-25T19:40:00+0000 [api_server:1] line`), or `json`
 * (`{"time","level","pool","worker","pid","stream","msg"}`). Pure: the
 * supervisor formats the lines it reads from a worker's pipes with it, and
 * bento-kit/worker formats the lines it writes itself (docs/logs.md).
 *
 * A worker line's level is the one it starts with (`INFO:`, `[WARNING]`,
 * `ERROR ...`, as uvicorn and Python's logging print), else `info` for stdout
 * and `error` for stderr (a traceback has no level word).
 */
import type { WorkerLine } from "./types.ts";

export type LogFormat = "text" | "json";
export type Level = "debug" | "info" | "warning" | "error" | "critical";

/** BentoML's date format: `%Y-%m-%dT%H:%M:%S%z` in UTC. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+0000");
}

/** One worker line, without newline. */
export function formatWorkerLineAs(
  format: LogFormat,
  stream: "stdout" | "stderr",
  from: WorkerLine,
  date: Date,
): string {
  if (format === "text") return `${timestamp(date)} [${from.pool}:${from.workerId}] ${from.text}`;
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
