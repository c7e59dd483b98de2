/**
 * Workers' own lines for a Bun or Deno supervisor whose stdout is a socket
 * (journald under systemd, a test runner's child_process pipe). A socket
 * cannot be opened again (`/proc/self/fd/1`), and handing fd 1 itself to the
 * workers shared its file status with them: a supervisor's own writes stopped
 * for good once a worker had written and exited (docs/logs.md). So the workers
 * get the write end of a pipe of the supervisor's, and the supervisor copies
 * what comes out of it to its stdout in large chunks: one read and one write
 * per batch of lines, where the piped path reads, parses, formats and writes
 * every line. A worker writes whole lines, at most PIPE_BUF bytes per write(2),
 * which a pipe keeps whole; a chunk is still cut after its last newline.
 */
import type { RuntimePort, WorkerStdout } from "../../core/ports.ts";
import { settleWithin } from "../settle-within.ts";

/** The libc calls the relay needs, from the adapter's FFI binding; each returns the C return value. */
export interface PipeFns {
  /** pipe2(2): `fds` gets the read end, then the write end. */
  pipe2(fds: Int32Array, flags: number): number;
  /** read(2) into `buffer`, at most its length: bytes read, 0 at the end, -1 on an error (`errno` says which). */
  read(fd: number, buffer: Uint8Array): number;
  fcntl(fd: number, command: number, argument: number): number;
  errno(): number;
  close(fd: number): number;
}

const NEWLINE = 0x0a;
/**
 * How often the relay's pipe is read while lines come, and at most how long a
 * quiet one waits for its next read.
 */
const READ_MIN_MS = 25;
const READ_MAX_MS = 200;
/** Room for READ_MIN_MS of lines at any rate a worker pool writes them (64 KiB by default: 25 ms at 2.6 MB/s). */
const PIPE_SIZE = 1 << 20;
// Linux (x86_64 and arm64).
const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
const EINTR = 4;
const EAGAIN = 11;
/** pipe2's flag: the supervisor's ends are not inherited by what it spawns (a spawn's dup2 to a worker's fd clears it). */
const O_CLOEXEC = 0o2000000;

/**
 * The relay's pipe, read without blocking into one kept buffer: every READ_MIN_MS while lines come, backing off
 * to READ_MAX_MS when none do (a line waits at most that long; an idle supervisor reads 5 times a second). Bun's
 * file stream (`Bun.file(fd).stream()`) read each batch of lines into a fresh buffer as it came (poll, read, two
 * epoll_ctl, memory given back to the kernel after each): the Bun supervisor spent 450-590 ms of CPU per 8 s
 * relaying iris's access lines under `wrk -c64` (7-9 MB); read this way, 210-290 ms (290-300 reading every
 * 10 ms), of which about 80 ms is what it spends with no access log.
 */
function readChunks(fns: PipeFns, fd: number, onChunk: (bytes: Uint8Array) => void): Promise<void> {
  return new Promise((resolve) => {
    fns.fcntl(fd, F_SETFL, fns.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    fns.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE); // best effort: /proc/sys/fs/pipe-max-size caps it (1 MiB by default)
    const buffer = new Uint8Array(256 * 1024);
    let wait = READ_MIN_MS;
    const read = (): void => {
      let got = false;
      for (;;) {
        const n = fns.read(fd, buffer);
        const error = n < 0 ? fns.errno() : 0;
        if (error === EAGAIN || error === EINTR) break;
        if (n <= 0) return void (fns.close(fd), resolve()); // every write end is closed, or the pipe failed
        got = true;
        onChunk(buffer.slice(0, n));
        if (n < buffer.length) break;
      }
      wait = got ? READ_MIN_MS : Math.min(wait * 2, READ_MAX_MS);
      setTimeout(read, wait);
    };
    read();
  });
}

/** A Bun or Deno supervisor's `workerStdout`: its stdout opened again, else a relayed pipe (undefined: neither). */
export function reopenedOrRelayed(
  reopen: () => number | undefined,
  openPipeFns: () => PipeFns,
): NonNullable<RuntimePort["workerStdout"]> {
  return (relay) => {
    const fd = reopen();
    if (fd !== undefined) return { fd, close: () => Promise.resolve() };
    try {
      return relayedStdout(openPipeFns(), relay);
    } catch {
      return undefined; // no FFI (Deno without --allow-ffi): the workers' lines take the piped path
    }
  };
}

export function relayedStdout(
  fns: PipeFns,
  relay: (bytes: Uint8Array) => void,
): WorkerStdout | undefined {
  const ends = new Int32Array(2);
  if (fns.pipe2(ends, O_CLOEXEC) !== 0) return undefined;
  const [readFd, writeFd] = [ends[0]!, ends[1]!];
  let rest: Uint8Array | undefined;
  const reading = readChunks(fns, readFd, (chunk) => {
    const bytes = rest === undefined ? chunk : joined(rest, chunk);
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end > 0) relay(bytes.subarray(0, end));
    rest = end === bytes.length ? undefined : bytes.slice(end);
  }).catch(() => {/* the pipe failed: nothing more comes */});
  let closing: Promise<void> | undefined;
  return {
    fd: writeFd,
    close: (ms) =>
      closing ??= (async () => {
        // Every worker has exited: with this end closed too, the reader drains the pipe and ends.
        fns.close(writeFd);
        await settleWithin(reading, ms);
        if (rest !== undefined) relay(joined(rest, new Uint8Array([NEWLINE])));
        rest = undefined;
      })(),
  };
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const all = new Uint8Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  return all;
}
