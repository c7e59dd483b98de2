/**
 * `GET <path>` on a Unix socket, the way the supervisor's sampler and an API
 * worker's `/metrics` ask each worker's metrics socket: one HTTP/1.0 request
 * on a fresh connection through node:net (`unixGet`), or HTTP/1.1 on a
 * connection kept per socket (`keptUnixGets`, the sampler's while it reads
 * every worker every 2 s), the answer read until its `content-length` (or the
 * end of a chunked body, or the close). node:http's
 * client did the same at several times the CPU: on a Bun supervisor, reading
 * 4 workers every 2 s cost about 7 ms of its main thread per read (14 ms of
 * CPU in all), 3.5 times its idle CPU without the charts.
 */
import { connect, type Socket } from "node:net";

/** As bytes: Buffer#indexOf encodes a string needle anew at every call. */
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

/** The body of a 200 answer; undefined when the socket refuses, fails, answers another status or misses `timeoutMs`. */
export function unixGet(socketPath: string, path: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const answer = answerReader();
    let done = false;
    const finish = (body: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(body);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const socket = connect(socketPath, () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      const body = answer.add(chunk);
      if (body !== "incomplete") finish(body);
    });
    socket.on("end", () => finish(answer.ended()));
    socket.on("error", () => finish(undefined));
  });
}

/**
 * One answer's bytes as they come: parsed again at each chunk (parseAnswer), and once more at the
 * connection's end. A chunk may be a view of a read buffer the next read overwrites: it is copied
 * only when the answer is still incomplete (most answers come in one read).
 */
function answerReader() {
  const chunks: Buffer[] = [];
  return {
    /** No byte of the answer yet. */
    empty: () => chunks.length === 0,
    add(chunk: Buffer): string | undefined | "incomplete" {
      const answer = parseAnswer(chunks.length === 0 ? chunk : Buffer.concat([...chunks, chunk]), false);
      if (answer === "incomplete") chunks.push(Buffer.from(chunk));
      return answer;
    },
    /** The answer at the connection's end: undefined unless it is a whole 200. */
    ended(): string | undefined {
      const body = parseAnswer(Buffer.concat(chunks), true);
      return body === "incomplete" ? undefined : body;
    },
  };
}

/**
 * GETs over one kept-open connection per socket (HTTP/1.1 keep-alive), for a
 * caller that asks the same sockets again and again (the sampler, every 2 s):
 * a read is then a write and an answer, with no socket, stream and async
 * context made and thrown away each time (about 38 KiB of garbage per read
 * on a Node supervisor, which grew its heap between major collections). A
 * connection the server closed while idle (node:http closes after 5 s) is
 * opened again: when a reused one ends before any byte of the answer, the
 * GET is sent once more on a new one. A socket is asked once at a time; a
 * second GET while one is in flight takes a connection of its own.
 */
export interface KeptGets {
  get(socketPath: string, path: string, timeoutMs: number): Promise<string | undefined>;
  /** Closes the connections to every socket not in `keep` (workers gone). */
  retain(keep: ReadonlySet<string>): void;
  close(): void;
}

interface Kept {
  readonly socket: Socket;
  /** The answer in flight's handler; undefined while idle. */
  waiting?: (chunk: Buffer | undefined) => void;
}

/**
 * The buffer every kept connection reads into: a read is handled (copied if it must be kept)
 * before the next one. node:net's default, a buffer allocated per read, is memory outside the
 * JS heap until the collector finds its Buffer.
 */
let shared: Buffer | undefined;
const readBuffer = (): Buffer => (shared ??= Buffer.allocUnsafeSlow(64 * 1024));

export function keptUnixGets(): KeptGets {
  const kept = new Map<string, Kept>();
  /** Closes a connection and forgets it (unless another has taken its place). */
  const drop = (socketPath: string, k: Kept): void => {
    if (kept.get(socketPath) === k) kept.delete(socketPath);
    k.socket.destroy();
  };

  const open = (socketPath: string): Kept => {
    // Into one kept buffer (node:net's `onread`), not a buffer allocated per read outside the JS heap.
    const socket = connect({
      path: socketPath,
      onread: {
        buffer: readBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          k.waiting?.(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        },
      },
    });
    const k: Kept = { socket };
    let gone = false;
    const end = (): void => {
      if (gone) return;
      gone = true;
      drop(socketPath, k);
      k.waiting?.(undefined);
    };
    socket.on("end", end);
    socket.on("error", end);
    socket.on("close", end);
    kept.set(socketPath, k);
    return k;
  };

  const ask = (socketPath: string, path: string, timeoutMs: number, mayRetry: boolean): Promise<string | undefined> => {
    const idle = kept.get(socketPath);
    if (idle?.waiting) return unixGet(socketPath, path, timeoutMs);
    const reused = idle !== undefined;
    const k = idle ?? open(socketPath);
    return new Promise((resolve) => {
      const answer = answerReader();
      const finish = (body: string | undefined, keep: boolean): void => {
        clearTimeout(timer);
        k.waiting = undefined;
        if (!keep) drop(socketPath, k);
        resolve(body);
      };
      const timer = setTimeout(() => finish(undefined, false), timeoutMs);
      k.waiting = (chunk) => {
        if (chunk === undefined) {
          // Closed by the server while idle, as this GET went out: once more on a new connection.
          if (reused && mayRetry && answer.empty()) {
            clearTimeout(timer);
            k.waiting = undefined;
            return void ask(socketPath, path, timeoutMs, false).then(resolve);
          }
          return finish(answer.ended(), false);
        }
        const body = answer.add(chunk);
        // Anything but a whole 200 leaves the connection in a state not worth keeping.
        if (body !== "incomplete") finish(body, body !== undefined);
      };
      k.socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    });
  };

  const retain = (keep: ReadonlySet<string>): void => {
    for (const [socketPath, k] of kept) {
      if (!keep.has(socketPath)) drop(socketPath, k);
    }
  };
  return {
    get: (socketPath, path, timeoutMs) => ask(socketPath, path, timeoutMs, true),
    retain,
    close: () => retain(new Set()),
  };
}

/** What the bytes so far say: the body, undefined (not a 200, or malformed), or incomplete (more to come). */
export function parseAnswer(bytes: Buffer, ended: boolean): string | undefined | "incomplete" {
  const headEnd = bytes.indexOf(HEAD_END);
  if (headEnd < 0) return ended ? undefined : "incomplete";
  const head = bytes.subarray(0, headEnd).toString("latin1");
  if (!/^HTTP\/1\.[01] 200 /.test(head)) return undefined;
  const body = bytes.subarray(headEnd + HEAD_END.length);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const n = Number(length[1]);
    if (body.length >= n) return body.subarray(0, n).toString("utf8");
    return ended ? undefined : "incomplete";
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return unchunked(body, ended);
  return ended ? body.toString("utf8") : "incomplete";
}

function unchunked(body: Buffer, ended: boolean): string | undefined | "incomplete" {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    const start = lineEnd + 2;
    if (body.length < start + size + 2) break;
    parts.push(body.subarray(start, start + size));
    at = start + size + 2;
  }
  return ended ? undefined : "incomplete";
}
