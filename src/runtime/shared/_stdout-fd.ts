/**
 * The fd a worker gets to write its own log lines to (BENTO_LOG_FD). A Node
 * supervisor hands on its stdout, fd 1, as it is (an extra stdio entry); it is
 * undefined when closed: a closed fd would fail every spawn.
 */
import { constants, fstatSync, openSync } from "node:fs";
import type { WorkerStdout } from "../../core/ports.ts";

export function nodeWorkerStdout(): WorkerStdout | undefined {
  try {
    fstatSync(1);
    return { fd: 1, close: () => Promise.resolve() };
  } catch {
    return undefined;
  }
}

/**
 * For a Bun supervisor: fd 1 opened again (`/proc/self/fd/1`), a new open file description of the
 * same pipe, file or terminal. Handed fd 1 itself, a worker shares its file status flags with the
 * supervisor, and Bun's own writes to its stdout then stopped for good once a worker had written
 * (the reload test caught it: the supervisor's lines ended, the workers' went on). Undefined when
 * it cannot be opened (a socket: ../libc/_stdout-relay.ts).
 */
export function reopenStdoutFd(): number | undefined {
  try {
    return openSync("/proc/self/fd/1", constants.O_WRONLY | constants.O_APPEND);
  } catch {
    return undefined;
  }
}
