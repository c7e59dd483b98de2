/**
 * /proc through libc over FFI, for a Deno supervisor: Deno 2.9 refuses every
 * read under /proc (`NotCapable`) unless it runs with --allow-all, while the
 * README's least permissions include --allow-ffi. open/read/close for a file,
 * opendir/readdir/closedir for the pid list. Linux with glibc (x86_64, arm64:
 * `struct dirent` has d_name at byte 19). Undefined when libc cannot be loaded
 * (no --allow-ffi): the caller falls back to node:fs.
 */
import type { ProcFs } from "../shared/_procfs.ts";
import { LIBC_PATH } from "../libc/_libc-socket.ts";

const O_RDONLY_CLOEXEC = 0o2000000;
const D_NAME_OFFSET = 19;
const CHUNK = 64 * 1024;

export function libcProcFs(): ProcFs | undefined {
  let lib;
  try {
    lib = Deno.dlopen(
      LIBC_PATH,
      {
        open: { parameters: ["buffer", "i32"], result: "i32" },
        read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
        close: { parameters: ["i32"], result: "i32" },
        opendir: { parameters: ["buffer"], result: "pointer" },
        readdir: { parameters: ["pointer"], result: "pointer" },
        closedir: { parameters: ["pointer"], result: "i32" },
      } as const,
    );
  } catch {
    return undefined;
  }
  const libc = lib.symbols;
  const chunk = new Uint8Array(CHUNK);
  const latin1 = new TextDecoder("latin1");
  const cString = (path: string) => new TextEncoder().encode(`${path}\0`) as Uint8Array<ArrayBuffer>;
  /** `use(fd)` on the file opened, closed after; undefined when it cannot be opened. */
  const withFile = <T>(path: string, use: (fd: number) => T | undefined): T | undefined => {
    const fd = libc.open(cString(path), O_RDONLY_CLOEXEC);
    if (fd < 0) return undefined;
    try {
      return use(fd);
    } finally {
      libc.close(fd);
    }
  };
  return {
    pids() {
      const dir = libc.opendir(cString("/proc"));
      if (dir === null) return undefined;
      const out: number[] = [];
      try {
        for (let entry = libc.readdir(dir); entry !== null; entry = libc.readdir(dir)) {
          const name = new Deno.UnsafePointerView(entry).getCString(D_NAME_OFFSET);
          if (/^\d+$/.test(name)) out.push(Number(name));
        }
      } finally {
        libc.closedir(dir);
      }
      return out;
    },
    readBytes(path) {
      return withFile(path, (fd) => {
        let n = 0;
        for (let got = 1; n < CHUNK && got > 0; n += got) {
          got = Number(libc.read(fd, chunk.subarray(n), BigInt(CHUNK - n)));
          if (got < 0) return undefined;
        }
        return chunk.subarray(0, n);
      });
    },
    read(path) {
      return withFile(path, (fd) => {
        const parts: string[] = [];
        for (;;) {
          const n = Number(libc.read(fd, chunk, BigInt(CHUNK)));
          if (n < 0) return undefined;
          if (n === 0) return parts.join("");
          parts.push(latin1.decode(chunk.subarray(0, n)));
        }
      });
    },
  };
}
