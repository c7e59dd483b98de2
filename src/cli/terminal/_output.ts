/**
 * Where the supervisor's own lines and its workers' lines go, without ever
 * blocking it. A reader that went away (`serve | head`, a closed terminal)
 * must not crash it: write errors such as EPIPE are ignored. A reader that
 * stalls (a paused `| less`, a stuck log shipper) must not freeze it: on Node
 * stdout and stderr are made non-blocking; Deno's node-compat
 * `process.stdout` writes synchronously, so there lines go, in order, from a
 * queue, to a node:net socket when the stream is a socket, else through the
 * async `Deno.stdout`/`Deno.stderr` writers; Bun's `Bun.write` to a pipe
 * blocks its event loop until the reader reads (a stalled reader froze the
 * supervisor: no stop on SIGTERM), and so does its node:net socket on an fd,
 * so there they go from the same queue to a FileSink (pipes and sockets) or
 * through node:fs `write`, which waits in Bun's thread pool. Once a stream
 * holds MAX_BUFFERED bytes unwritten, worker lines are dropped and counted
 * until it drains (the supervisor's own lines are always kept).
 */
import { fstatSync, write as fsWrite } from "node:fs";
import { formatLogLine } from "./_log-format.ts";
import { settleWithin } from "../../runtime/settle-within.ts";

const MAX_BUFFERED = 1 << 20;

type Stream = "stdout" | "stderr";

interface Sink {
  /** Bytes handed over and not yet written. */
  buffered(): number;
  write(text: string | Uint8Array): void;
  /** Resolves once everything queued is written (or the stream failed). */
  drained(): Promise<void>;
}

/** An async writer: Deno's stdout and stderr (typed locally: src/cli is checked without Deno's typings), or an fd on Bun. */
interface AsyncWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** How long a write that a full non-blocking stream refused (EAGAIN) waits before it is tried again. */
const RETRY_MS = 20;

let sinks: Record<Stream, Sink> | undefined;

function getSinks(): Record<Stream, Sink> {
  return (sinks ??= createSinks());
}

function createSinks(): Record<Stream, Sink> {
  const { Deno: deno, Bun: bun } = globalThis as {
    Deno?: { stdout: AsyncWriter; stderr: AsyncWriter };
    Bun?: BunFiles;
  };
  if (deno) {
    return { stdout: socketSink(1) ?? queuedSink(deno.stdout), stderr: socketSink(2) ?? queuedSink(deno.stderr) };
  }
  // Not process.stdout on Bun: creating its Node stream takes about 10 ms.
  if (bun) {
    return {
      stdout: queuedSink(fileSinkWriter(bun, 1) ?? fdWriter(1)),
      stderr: queuedSink(fileSinkWriter(bun, 2) ?? fdWriter(2)),
    };
  }
  return { stdout: streamSink(process.stdout), stderr: streamSink(process.stderr) };
}

/** The part of Bun's API used here (typed locally: src/cli is checked without Bun's typings). */
interface BunFiles {
  file(fd: number): {
    writer(options: { highWaterMark: number }): {
      write(bytes: Uint8Array): number;
      flush(): number | Promise<number>;
      unref(): void;
    };
  };
}

/**
 * What a Bun or Deno supervisor writes the most is its workers' access lines, relayed when its stdout is a
 * socket (journald under systemd, a parent's child_process pipe: src/runtime/libc/_stdout-relay.ts). Per 4 KiB
 * write, node:fs `write` (Bun's thread pool) took 31 µs of CPU and `Deno.stdout.write` 81; that relay cost the
 * supervisor 550-740 ms of CPU per 8 s of iris under wrk. Bun's FileSink takes 6 µs on a socket or a pipe and
 * never blocks (a stalled reader leaves its bytes queued; `Bun.write` blocked), Deno's node:net socket 14 µs.
 */
function fileSinkWriter(bun: BunFiles, fd: number): AsyncWriter | undefined {
  try {
    const stat = fstatSync(fd);
    if (!stat.isSocket() && !stat.isFIFO()) return undefined;
    const sink = bun.file(fd).writer({ highWaterMark: 64 * 1024 });
    // What a stalled reader left unwritten must not keep the process alive (flushOutput bounds the wait).
    sink.unref();
    return {
      write: async (bytes) => {
        sink.write(bytes);
        await sink.flush();
        return bytes.length;
      },
    };
  } catch {
    return undefined;
  }
}

/** Deno: a socket written through node:net (see fileSinkWriter); undefined when not a socket or refused. */
function socketSink(fd: number): Sink | undefined {
  try {
    if (!fstatSync(fd).isSocket()) return undefined;
    // Read here, not imported: node:net is 14 ms of a Bun supervisor's start (which never comes here).
    const { Socket } = process.getBuiltinModule("node:net") as typeof import("node:net");
    const socket = new Socket({ fd, readable: false, writable: true });
    socket.unref();
    return streamSink(socket as unknown as NodeJS.WriteStream);
  } catch {
    return undefined;
  }
}

/** node:fs `write` to `fd` (off the event loop); a full non-blocking stream (EAGAIN) is tried again RETRY_MS later. */
function fdWriter(fd: number): AsyncWriter {
  return {
    write: (bytes) =>
      new Promise((resolve, reject) =>
        fsWrite(fd, bytes, 0, bytes.length, null, (error, written) => {
          if (error?.code === "EAGAIN") setTimeout(() => resolve(0), RETRY_MS);
          else if (error) reject(error);
          else resolve(written);
        })
      ),
  };
}

function streamSink(s: NodeJS.WriteStream): Sink {
  s.on("error", () => {});
  // Node writes to pipes and files synchronously by default (Bun has no such handle).
  (s as unknown as { _handle?: { setBlocking?(on: boolean): void } })._handle?.setBlocking?.(false);
  return {
    buffered: () => (s.writable ? s.writableLength : Infinity),
    write: (text) => void (s.writable && s.write(text)),
    drained: () => (s.writableLength === 0 || !s.writable ? Promise.resolve() : new Promise((r) => s.once("drain", r))),
  };
}

/** Writes through an async writer, everything queued meanwhile in one write; a failed stream discards the rest. */
function queuedSink(writer: AsyncWriter): Sink {
  const encoder = new TextEncoder();
  const queue: Uint8Array[] = [];
  let bytes = 0;
  let failed = false;
  let pumping: Promise<void> | undefined;
  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      const chunk = joined(queue.splice(0));
      try {
        for (let done = 0; done < chunk.length;) done += await writer.write(chunk.subarray(done));
      } catch {
        failed = true;
        queue.length = 0;
        bytes = 0;
        return;
      }
      bytes -= chunk.length;
    }
  };
  return {
    buffered: () => (failed ? Infinity : bytes),
    write(text) {
      if (failed) return;
      const chunk = typeof text === "string" ? encoder.encode(text) : text;
      queue.push(chunk);
      bytes += chunk.length;
      pumping ??= pump().finally(() => (pumping = undefined));
    },
    drained: () => pumping ?? Promise.resolve(),
  };
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (all.set(c, at), at += c.length);
  return all;
}

/** Writes the supervisor's own text (log lines) without blocking; never dropped. */
export function writeText(stream: Stream, text: string): void {
  getSinks()[stream].write(text);
}

/** Waits until what was written is out, at most `ms` (a stalled reader must not keep the process alive). */
export async function flushOutput(ms: number): Promise<void> {
  await settleWithin(Promise.all(Object.values(getSinks()).map((s) => s.drained())), ms);
}

/** The writer of worker lines: drops and counts them while a stream's reader lags behind. */
export function createOutput(): (stream: Stream, line: string) => void {
  const dropped: Record<Stream, number> = { stdout: 0, stderr: 0 };
  const all = getSinks();
  return (stream, line) => {
    const sink = all[stream];
    if (sink.buffered() > MAX_BUFFERED) {
      dropped[stream] += 1;
      return;
    }
    if (dropped[stream] > 0) {
      sink.write(droppedLine(dropped[stream], stream));
      dropped[stream] = 0;
    }
    sink.write(`${line}\n`);
  };
}

/** The writer of workers' relayed stdout (whole lines, formatted by them): dropped and counted as createOutput's lines. */
export function createRelayOutput(): (bytes: Uint8Array) => void {
  let dropped = 0;
  const sink = getSinks().stdout;
  return (bytes) => {
    if (sink.buffered() > MAX_BUFFERED) {
      for (const byte of bytes) if (byte === 0x0a) dropped += 1;
      return;
    }
    if (dropped > 0) {
      sink.write(droppedLine(dropped, "stdout"));
      dropped = 0;
    }
    sink.write(bytes);
  };
}

function droppedLine(count: number, stream: Stream): string {
  return formatLogLine("warning", "cli", `${count} worker lines dropped: the reader of ${stream} did not keep up`);
}
