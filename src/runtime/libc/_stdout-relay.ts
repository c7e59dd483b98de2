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
  close(fd: number): number;
}

/** Reads `fd` until every write end is closed, chunk by chunk. */
export type ReadChunks = (fd: number, onChunk: (bytes: Uint8Array) => void) => Promise<void>;

const NEWLINE = 0x0a;
/** pipe2's flag: the supervisor's ends are not inherited by what it spawns (a spawn's dup2 to a worker's fd clears it). */
const O_CLOEXEC = 0o2000000;

/** A Bun or Deno supervisor's `workerStdout`: its stdout opened again, else a relayed pipe (undefined: neither). */
export function reopenedOrRelayed(
  reopen: () => number | undefined,
  openPipeFns: () => PipeFns,
  readChunks: ReadChunks,
): NonNullable<RuntimePort["workerStdout"]> {
  return (relay) => {
    const fd = reopen();
    if (fd !== undefined) return { fd, close: () => Promise.resolve() };
    try {
      return relayedStdout(openPipeFns(), readChunks, relay);
    } catch {
      return undefined; // no FFI (Deno without --allow-ffi): the workers' lines take the piped path
    }
  };
}

export function relayedStdout(
  fns: PipeFns,
  readChunks: ReadChunks,
  relay: (bytes: Uint8Array) => void,
): WorkerStdout | undefined {
  const ends = new Int32Array(2);
  if (fns.pipe2(ends, O_CLOEXEC) !== 0) return undefined;
  const [readFd, writeFd] = [ends[0]!, ends[1]!];
  let rest: Uint8Array | undefined;
  const reading = readChunks(readFd, (chunk) => {
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
