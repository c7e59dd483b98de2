/**
 * bento-kit/worker's own stdout lines (the access log, its notes), written
 * without a round trip through the supervisor. The supervisor hands its
 * stdout to the worker as `BENTO_LOG_FD`, with `BENTO_LOG_FORMAT` (`text` or
 * `json`) and `BENTO_LOG_POOL`; lines are formatted here exactly as the
 * supervisor formats a worker's piped lines (src/core/log-line.ts), gathered
 * while a write is in flight and written in chunks of whole lines of at most
 * PIPE_BUF bytes (one write(2) each: lines of several processes never mix).
 * The event loop never blocks on it: a reader that stalls fills MAX_PENDING,
 * then lines are dropped and counted until it drains (as the supervisor does).
 *
 * Without `BENTO_LOG_FD` (a worker started by hand, an older supervisor), or
 * where the fd cannot be written (a Deno worker whose supervisor's stdout is
 * a file or a terminal: Deno writes inherited fds only through node:net, so
 * pipes only), lines go to process.stdout, the piped path. stderr always
 * stays piped: a crash report shows a dead worker's last stderr lines.
 */
import { write, writeSync } from "node:fs";
import { Socket } from "node:net";
import { formatWorkerLineAs, type LogFormat } from "../core/log-line.ts";
import { unrefTimer } from "../timer.ts";

const PIPE_BUF = 4096;
const MAX_PENDING = 1 << 20;
const RETRY_MS = 20;
/**
 * How long a line may wait for others to share its write(2). Written as soon as
 * the line was queued, a write took one line each on Bun (its fs.write returns
 * before the next request is handled): 15% of an iris API worker's CPU.
 */
const BATCH_MS = 10;

type Env = Readonly<Record<string, string | undefined>>;

/** Writes one stdout line of the worker's (no newline). */
export type LogLine = (text: string) => void;

interface WorkerLog {
  readonly line: LogLine;
  /** Resolves once every line so far is written (or cannot be). */
  drained(): Promise<void>;
}

let shared: WorkerLog | undefined;

/** The worker's line writer (made once per process). */
export function workerLog(): LogLine {
  return (shared ??= createWorkerLog(process.env)).line;
}

/** Waits until the lines written so far are out, at most `ms` (before a stop's process.exit: Deno has no synchronous way). */
export function logDrained(ms: number): Promise<void> {
  if (shared === undefined) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([shared.drained(), late]).finally(() => clearTimeout(timer));
}

function createWorkerLog(env: Env): WorkerLog {
  const direct = directTarget(env);
  if (direct === undefined) {
    return { line: (text) => void process.stdout.write(`${text}\n`), drained: () => Promise.resolve() };
  }
  const { send, pool } = direct;
  const from = { pool, workerId: Number(env.BENTO_WORKER_ID ?? 0), pid: process.pid };
  // A text line's prefix (`<time> [pool:id] `) changes once a second: made once a second, not per line.
  const asJson = formatOf(env) === "json";
  let prefixSecond = -1;
  let prefix = "";
  const queue = lineQueue();
  let dropped = 0;
  let writing = false;
  let batch: ReturnType<typeof setTimeout> | undefined;
  const waiting: (() => void)[] = [];

  const flush = (): void => {
    if (batch !== undefined) (clearTimeout(batch), batch = undefined);
    if (writing || queue.bytes === 0) return;
    writing = true;
    send(queue.take(PIPE_BUF), () => {
      writing = false;
      if (dropped > 0 && queue.bytes < MAX_PENDING / 2 && queue.push(format(droppedNote(dropped)))) dropped = 0;
      // Waited for (a stop): the rest goes now. Else it waits as a new line would: written at once, a write's end
      // took the few lines queued during it, and under load that was a write per line again.
      if (waiting.length > 0) flush();
      else schedule();
      if (!writing && queue.bytes === 0) { for (const resolve of waiting.splice(0)) resolve(); }
    });
  };
  /** A write once PIPE_BUF bytes are queued, or BATCH_MS after the first of them. */
  const schedule = (): void => {
    if (writing || queue.bytes === 0) return;
    if (queue.bytes >= PIPE_BUF) flush();
    else if (batch === undefined) batch = unrefTimer(setTimeout(flush, BATCH_MS));
  };
  // What is still queued when the process exits goes out synchronously (Node, Bun), as process.stdout's lines would.
  if (direct.sendNow) {
    const sendNow = direct.sendNow;
    process.once("exit", () => {
      while (queue.bytes > 0) sendNow(queue.take(PIPE_BUF));
    });
  }
  return {
    line(text) {
      if (!queue.push(format(text))) dropped += 1;
      else schedule(); // while a write is in flight, its end schedules what came meanwhile
    },
    drained() {
      flush();
      return writing ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
  };

  function format(text: string): string {
    if (asJson) return formatWorkerLineAs("json", "stdout", { ...from, text }, new Date());
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== prefixSecond) {
      prefixSecond = second;
      prefix = formatWorkerLineAs("text", "stdout", { ...from, text: "" }, new Date(second * 1000));
    }
    return prefix + text;
  }
}

const droppedNote = (n: number): string => `${n} log lines dropped: the reader of stdout did not keep up`;

/**
 * Lines waiting to be written, encoded one after the other into one buffer
 * (`encodeInto`: no array per line; a new Uint8Array per line was 7% of a Bun
 * API worker's CPU under load), with where each ends.
 */
export interface LineQueue {
  /** Bytes queued. */
  readonly bytes: number;
  /** Queues `line` and a newline; false (dropped) once MAX_PENDING bytes wait. */
  push(line: string): boolean;
  /** Whole lines from the front, at most `max` bytes (a longer line alone), copied out. */
  take(max: number): Uint8Array;
}

export function lineQueue(): LineQueue {
  const encoder = new TextEncoder();
  let buf = new Uint8Array(64 * 1024);
  // Queued bytes are buf[head, used); ends[first..] are where each queued line ends.
  let head = 0;
  let used = 0;
  let ends: number[] = [];
  let first = 0;
  return {
    get bytes() {
      return used - head;
    },
    push(line) {
      const text = `${line}\n`;
      if (used - head + text.length > MAX_PENDING) return false;
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (used + text.length * 3 > buf.length) {
        // Taken lines' room first (moved once per fill, not once per take), then a larger buffer if still short.
        const size = used - head;
        if (size + text.length * 3 > buf.length) {
          const bigger = new Uint8Array(Math.max(buf.length * 2, size + text.length * 3));
          bigger.set(buf.subarray(head, used));
          buf = bigger;
        } else buf.copyWithin(0, head, used);
        ends = ends.slice(first).map((e) => e - head);
        first = 0;
        used = size;
        head = 0;
      }
      used += encoder.encodeInto(text, buf.subarray(used)).written;
      ends.push(used);
      return true;
    },
    take(max) {
      let n = first + 1;
      while (n < ends.length && ends[n]! - head <= max) n++;
      const end = ends[n - 1]!;
      const chunk = buf.slice(head, end);
      first = n;
      head = end;
      if (head === used) (head = 0, used = 0, ends = [], first = 0);
      return chunk;
    },
  };
}

const formatOf = (env: Env): LogFormat => (env.BENTO_LOG_FORMAT === "json" ? "json" : "text");

/** Writes a chunk, whole, then calls `done` (also when it cannot be written: the reader is gone). */
type Send = (chunk: Uint8Array, done: () => void) => void;

interface Direct {
  readonly send: Send;
  /** Best-effort synchronous write, at exit. */
  readonly sendNow?: (chunk: Uint8Array) => void;
  readonly pool: string;
}

function directTarget(env: Env): Direct | undefined {
  const raw = env.BENTO_LOG_FD;
  const pool = env.BENTO_LOG_POOL;
  if (raw === undefined || !/^\d+$/.test(raw) || !pool) return undefined;
  const fd = Number(raw);
  if ("Deno" in globalThis) {
    const send = socketSend(fd);
    return send && { send, pool };
  }
  return {
    send: fsSend(fd),
    sendNow(chunk) {
      try {
        writeSync(fd, chunk);
      } catch { /* gone or full: nothing more to do at exit */ }
    },
    pool,
  };
}

/** node:fs on Node and Bun: any fd (pipe, file, terminal); EAGAIN (a full non-blocking pipe) is retried later. */
function fsSend(fd: number): Send {
  let broken = false;
  return (chunk, done) => {
    const rest = (offset: number): void => {
      if (broken) return done();
      write(fd, chunk, offset, chunk.length - offset, null, (error, written) => {
        if (error?.code === "EAGAIN") return void setTimeout(rest, RETRY_MS, offset).unref();
        if (error) broken = true; // EPIPE, EBADF: the reader is gone
        if (error || offset + written >= chunk.length) done();
        else rest(offset + written);
      });
    };
    rest(0);
  };
}

/** Deno: node:net adopts an inherited pipe (its node:fs has no access to inherited fds); undefined for anything else. */
function socketSend(fd: number): Send | undefined {
  let pipe: Socket;
  try {
    pipe = new Socket({ fd, readable: false, writable: true });
  } catch {
    return undefined;
  }
  let broken = false;
  pipe.on("error", () => (broken = true));
  pipe.unref();
  return (chunk, done) => {
    if (broken) return done();
    pipe.write(chunk, () => done());
  };
}
