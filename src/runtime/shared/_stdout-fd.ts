/**
 * The fd a worker gets to write its own log lines to (BENTO_LOG_FD): this
 * process's stdout, fd 1, handed on as it is (Node and Bun pass it as an
 * extra stdio entry). Undefined when it is closed: a closed fd would fail
 * every spawn.
 */
import { fstatSync } from "node:fs";

export function openStdoutFd(): number | undefined {
  try {
    fstatSync(1);
    return 1;
  } catch {
    return undefined;
  }
}
