/**
 * The fd a worker gets to write its own log lines to (BENTO_LOG_FD): this
 * process's stdout, fd 1, handed on as it is (Node and Bun pass it as an
 * extra stdio entry). Undefined when it is closed: a closed fd would fail
 * every spawn.
 */
import { constants, fstatSync, openSync } from "node:fs";

export function openStdoutFd(): number | undefined {
  try {
    fstatSync(1);
    return 1;
  } catch {
    return undefined;
  }
}

/**
 * For a Bun supervisor: fd 1 opened again (`/proc/self/fd/1`), a new open file description of the
 * same pipe, file or terminal. Handed fd 1 itself, a worker shares its file status flags with the
 * supervisor, and Bun's own writes to its stdout then stopped for good once a worker had written
 * (the reload test caught it: the supervisor's lines ended, the workers' went on). Undefined when
 * it cannot be opened (a socket): the worker's lines then take the piped path.
 */
export function reopenStdoutFd(): number | undefined {
  try {
    return openSync("/proc/self/fd/1", constants.O_WRONLY | constants.O_APPEND);
  } catch {
    return undefined;
  }
}
