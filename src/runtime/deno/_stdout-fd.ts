/**
 * A Deno supervisor's stdout for its workers (BENTO_LOG_FD). Deno's
 * node:child_process mishandles fds 0-2 among the extra stdio entries (the
 * child's stdout became /dev/null and fd 1 arrived in its place), so the
 * workers get fd 1 opened again through libc (`/proc/self/fd/1`, append mode;
 * the supervisor has --allow-ffi: it binds its sockets that way): the same
 * pipe, file or terminal, in a file description of their own. A dup(1) shared
 * its file status with the workers, and a supervisor's own writes to its
 * stdout could then stop for good (seen on Bun: docs/logs.md). Undefined when
 * libc cannot be loaded or fd 1 cannot be opened again (closed, or a socket:
 * ../libc/_stdout-relay.ts), and when fd 1 is not a pipe: a Deno worker writes
 * an inherited fd only through node:net, which takes pipes and sockets, not
 * files or terminals; the workers then write to the relay's pipe.
 */
import { LIBC_PATH } from "../libc/_libc-socket.ts";

const O_WRONLY = 0o1;
const O_APPEND = 0o2000;

export function reopenStdoutFd(): number | undefined {
  try {
    if (!Deno.statSync("/proc/self/fd/1").isFifo) return undefined;
    const lib = Deno.dlopen(LIBC_PATH, { open: { parameters: ["buffer", "i32"], result: "i32" } } as const);
    const fd = lib.symbols.open(new TextEncoder().encode("/proc/self/fd/1\0"), O_WRONLY | O_APPEND);
    lib.close(); // a method: destructured, it loses its `this`
    return fd >= 0 ? fd : undefined;
  } catch {
    return undefined;
  }
}
