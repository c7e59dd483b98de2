/**
 * Reading Linux's /proc, behind a small interface: node:fs on Node and Bun;
 * on Deno, libc's open/read and opendir/readdir over FFI (../deno/_libc-procfs.ts),
 * because Deno 2.9 answers `NotCapable` to any read under /proc unless it runs
 * with --allow-all, and the README's flags include --allow-ffi but not that.
 */
import { Buffer } from "node:buffer";
import { closeSync, openSync, readdirSync, readSync } from "node:fs";

export interface ProcFs {
  /** The pids listed in /proc; undefined without a readable /proc. */
  pids(): number[] | undefined;
  /** A file's text (bytes as latin1), or undefined when it cannot be read (gone, not ours). */
  read(path: string): string | undefined;
  /**
   * A small file's first 64 KiB as a view of a kept buffer that the next read overwrites (no
   * string made: the dashboard's sampler reads two files per worker every 2 s), or undefined.
   */
  readBytes(path: string): Uint8Array | undefined;
}

/**
 * Read through one kept 64 KiB buffer: readFileSync allocates a fresh buffer
 * for every file whose size is unknown, as every /proc file's is (about 16 KiB
 * per read of a 1.5 KiB status file, outside the JS heap until the next
 * collection): the dashboard's sampler reads two files per worker every 2 s.
 */
const CHUNK = 64 * 1024;
let chunk: Buffer | undefined;

export const nodeProcFs: ProcFs = {
  pids() {
    try {
      return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
    } catch {
      return undefined;
    }
  },
  readBytes(path) {
    return withFile(path, (fd, into) => {
      let n = 0;
      for (let got = 1; n < CHUNK && got > 0; n += got) got = readSync(fd, into, n, CHUNK - n, null);
      return into.subarray(0, n);
    });
  },
  read(path) {
    return withFile(path, (fd, into) => {
      const parts: string[] = [];
      for (;;) {
        const n = readSync(fd, into, 0, CHUNK, null);
        if (n === 0) return parts.join("");
        parts.push(into.toString("latin1", 0, n));
      }
    });
  },
};

/** `use(fd, the kept buffer)` on the file opened, closed after; undefined when it cannot be opened or read. */
function withFile<T>(path: string, use: (fd: number, into: Buffer) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    return use(fd, chunk ??= Buffer.allocUnsafeSlow(CHUNK));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
