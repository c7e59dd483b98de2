/**
 * Reading Linux's /proc, behind a small interface: node:fs on Node and Bun;
 * on Deno, libc's open/read and opendir/readdir over FFI (../deno/_libc-procfs.ts),
 * because Deno 2.9 answers `NotCapable` to any read under /proc unless it runs
 * with --allow-all, and the README's flags include --allow-ffi but not that.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcFs {
  /** The pids listed in /proc; undefined without a readable /proc. */
  pids(): number[] | undefined;
  /** A file's text (bytes as latin1), or undefined when it cannot be read (gone, not ours). */
  read(path: string): string | undefined;
}

export const nodeProcFs: ProcFs = {
  pids() {
    try {
      return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
    } catch {
      return undefined;
    }
  },
  read(path) {
    try {
      return readFileSync(path, "latin1");
    } catch {
      return undefined;
    }
  },
};
