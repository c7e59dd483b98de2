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
  read(path) {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return undefined;
    }
    try {
      chunk ??= Buffer.allocUnsafeSlow(CHUNK);
      const parts: string[] = [];
      for (;;) {
        const n = readSync(fd, chunk, 0, CHUNK, null);
        if (n === 0) return parts.join("");
        parts.push(chunk.toString("latin1", 0, n));
      }
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  },
};
