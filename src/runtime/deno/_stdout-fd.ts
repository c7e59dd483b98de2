/**
 * A Deno supervisor's stdout for its workers (BENTO_LOG_FD). Deno's
 * node:child_process mishandles fds 0-2 among the extra stdio entries (the
 * child's stdout became /dev/null and fd 1 arrived in its place), so the
 * workers get dup(1) through libc (the supervisor has --allow-ffi: it binds
 * its sockets that way): the same open file, pipe, socket or terminal, offset
 * shared. Undefined when libc cannot be loaded or fd 1 is closed.
 */
import { LIBC_PATH } from "../libc/_libc-socket.ts";

export function dupStdoutFd(): number | undefined {
  try {
    const lib = Deno.dlopen(LIBC_PATH, { dup: { parameters: ["i32"], result: "i32" } } as const);
    const fd = lib.symbols.dup(1);
    lib.close(); // a method: destructured, it loses its `this`
    return fd >= 0 ? fd : undefined;
  } catch {
    return undefined;
  }
}
