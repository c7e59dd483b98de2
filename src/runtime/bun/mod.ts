/**
 * The Bun adapter: sockets are bound and put in LISTEN state through libc
 * (bun:ffi), so the supervisor holds a listening fd without accepting on it;
 * processes start through Bun.spawn. The rest is shared with Deno in ../libc/_ffi-runtime.ts.
 */
import { dlopen, read } from "bun:ffi";
import type { RuntimePort } from "../../core/ports.ts";
import { createFfiRuntime } from "../libc/_ffi-runtime.ts";
import { bunSpawnProcess } from "./_spawn.ts";
import { serveGuardedHttp } from "../shared/_guarded-http.ts";
import { nodeWatch } from "../shared/_watch-node.ts";
import { LIBC_PATH, type LibcSocketFns } from "../libc/_libc-socket.ts";
import { reopenStdoutFd } from "../shared/_stdout-fd.ts";
import { type PipeFns, type ReadChunks, reopenedOrRelayed } from "../libc/_stdout-relay.ts";
import { closeSync, readSync } from "node:fs";

export function createBunRuntime(): RuntimePort {
  return {
    ...createFfiRuntime("bun", openLibc, bunSpawnProcess),
    serveHttp: serveGuardedHttp,
    watch: nodeWatch,
    workerStdout: reopenedOrRelayed(reopenStdoutFd, openPipeFns, readChunks),
  };
}

function openLibc(): LibcSocketFns {
  const { symbols } = dlopen(LIBC_PATH, {
    socket: { args: ["i32", "i32", "i32"], returns: "i32" },
    setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
    bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
    listen: { args: ["i32", "i32"], returns: "i32" },
    getsockname: { args: ["i32", "ptr", "ptr"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    __errno_location: { args: [], returns: "ptr" },
  });
  return {
    socket: (domain, type, protocol) => symbols.socket(domain, type, protocol),
    setsockopt: (fd, level, name, value, length) => symbols.setsockopt(fd, level, name, value, length),
    bind: (fd, addr, length) => symbols.bind(fd, addr, length),
    listen: (fd, backlog) => symbols.listen(fd, backlog),
    getsockname: (fd, addr, length) => symbols.getsockname(fd, addr, length),
    close: (fd) => symbols.close(fd),
    errno: () => {
      const p = symbols.__errno_location();
      return p === null ? 0 : read.i32(p, 0);
    },
  };
}

function openPipeFns(): PipeFns {
  const { symbols } = dlopen(LIBC_PATH, {
    pipe2: { args: ["ptr", "i32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
  });
  return { pipe2: (fds, flags) => symbols.pipe2(fds, flags), close: (fd) => symbols.close(fd) };
}

/**
 * The relay's pipe, read without blocking into one kept buffer: every READ_MIN_MS while lines come, backing off
 * to READ_MAX_MS when none do (a line waits at most that long; an idle supervisor wakes 5 times a second). Bun's file stream (`Bun.file(fd).stream()`) read each batch of lines into a fresh
 * buffer as it came (poll, read, two epoll_ctl, and memory given back to the kernel after each): its Bun
 * supervisor spent 450-590 ms of CPU per 8 s relaying iris's access lines under wrk; this way 210-240 ms (8 s of
 * `wrk -c64`, 7-9 MB of lines; 290-300 ms reading every 10 ms), of which 80 ms is what it spends without them.
 */
const READ_MIN_MS = 25;
const READ_MAX_MS = 200;
const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
/** Room for READ_MIN_MS of lines at any rate a worker pool writes them (64 KiB by default: 25 ms at 2.6 MB/s). */
const PIPE_SIZE = 1 << 20;

const readChunks: ReadChunks = (fd, onChunk) =>
  new Promise((resolve) => {
    const { symbols, close } = dlopen(LIBC_PATH, { fcntl: { args: ["i32", "i32", "i32"], returns: "i32" } });
    symbols.fcntl(fd, F_SETFL, symbols.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    symbols.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE); // best effort: /proc/sys/fs/pipe-max-size caps it (1 MiB by default)
    close();
    const buffer = new Uint8Array(256 * 1024);
    let wait = READ_MIN_MS;
    const finish = (): void => {
      closeSync(fd);
      resolve();
    };
    const read = (): void => {
      let got = false;
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buffer, 0, buffer.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EAGAIN") break;
          return finish();
        }
        if (n === 0) return finish(); // every write end is closed
        got = true;
        onChunk(buffer.slice(0, n));
        if (n < buffer.length) break;
      }
      wait = got ? READ_MIN_MS : Math.min(wait * 2, READ_MAX_MS);
      setTimeout(read, wait);
    };
    read();
  });
