/**
 * The Bun adapter: sockets are bound and put in LISTEN state through libc
 * (bun:ffi), so the supervisor holds a listening fd without accepting on it;
 * processes start through Bun.spawn. The rest is shared with Deno in ../libc/_ffi-runtime.ts.
 */
import { dlopen, read } from "bun:ffi";
import type { RuntimePort } from "../../core/ports.ts";
import { createFfiRuntime } from "../libc/_ffi-runtime.ts";
import { bunSpawnProcess } from "./_spawn.ts";
import { serveHttpLazily } from "../shared/_serve-http-lazily.ts";
import { nodeWatch } from "../shared/_watch-node.ts";
import { LIBC_PATH, type LibcSocketFns } from "../libc/_libc-socket.ts";
import { reopenStdoutFd } from "../shared/_stdout-fd.ts";
import { type PipeFns, reopenedOrRelayed } from "../libc/_stdout-relay.ts";

export function createBunRuntime(): RuntimePort {
  return {
    ...createFfiRuntime("bun", openLibc, bunSpawnProcess),
    serveHttp: serveHttpLazily(),
    watch: nodeWatch,
    workerStdout: reopenedOrRelayed(reopenStdoutFd, openPipeFns),
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

/** The relay's libc calls (src/runtime/libc/_stdout-relay.ts). */
function openPipeFns(): PipeFns {
  const { symbols } = dlopen(LIBC_PATH, {
    pipe2: { args: ["ptr", "i32"], returns: "i32" },
    read: { args: ["i32", "ptr", "u64"], returns: "i32" },
    fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    __errno_location: { args: [], returns: "ptr" },
  });
  return {
    pipe2: (fds, flags) => symbols.pipe2(fds, flags),
    read: (fd, buffer) => symbols.read(fd, buffer, buffer.length),
    fcntl: (fd, command, argument) => symbols.fcntl(fd, command, argument),
    close: (fd) => symbols.close(fd),
    errno: () => {
      const p = symbols.__errno_location();
      return p === null ? 0 : read.i32(p, 0);
    },
  };
}
