/**
 * Spawning through node:child_process, on Node and Deno (Deno.Command cannot
 * hand a child extra fds): a new process group, the sockets as fds 3, 4, ...,
 * stdout, stderr and the notify pipe read as lines (_child-handle.ts).
 */
import { type ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { SpawnFailed } from "../../core/errors.ts";
import { emptyCommand, spawnError } from "./_spawn-error.ts";
import type { ChildProcessHandle, SpawnRequest } from "../../core/ports.ts";
import { childHandle, lines, type TextSource } from "./_child-handle.ts";

export { MAX_LINE } from "./_child-handle.ts";

/** Start `request.argv` in its own process group; resolves once the OS started it or refused. */
export function spawnProcess(request: SpawnRequest): ResultAsync<ChildProcessHandle, SpawnFailed> {
  const [program, ...args] = request.argv;
  if (program === undefined) return errAsync(emptyCommand());
  let child: ChildProcess;
  try {
    child = nodeSpawn(program, args, {
      cwd: request.cwd,
      env: { ...request.env },
      detached: true,
      stdio: [
        request.keepStdin ? "inherit" : "ignore",
        request.inheritOutput ? "inherit" : "pipe",
        request.inheritOutput ? "inherit" : "pipe",
        ...request.fds,
        ...(request.notify ? ["pipe" as const] : []),
        ...(request.logFd !== undefined ? [request.logFd] : []),
      ],
    });
  } catch (cause) {
    return errAsync(spawnError(program, request.cwd, cause));
  }
  const started = new Promise<ChildProcessHandle | SpawnFailed>((resolve) => {
    child.once("error", (cause) => resolve(spawnError(program, request.cwd, cause)));
    child.once("spawn", () => {
      const notify = request.notify ? child.stdio[3 + request.fds.length] as NodeJS.ReadableStream | null : null;
      resolve(childHandle({
        pid: child.pid as number,
        stdout: child.stdout ? textOf(child.stdout) : undefined,
        stderr: child.stderr ? textOf(child.stderr) : undefined,
        notify: notify ? textOf(notify) : undefined,
        onExit: (listener) => child.once("exit", listener),
      }));
    });
  });
  return ResultAsync.fromSafePromise(started).andThen((r) => "kind" in r ? errAsync(r) : okAsync(r));
}

/** A Node readable stream as a TextSource (UTF-8; ends on close, after an error too). */
function textOf(stream: NodeJS.ReadableStream): TextSource {
  return (onText, onEnd) => {
    stream.setEncoding("utf8");
    stream.on("data", onText);
    stream.on("error", () => {});
    stream.once("close", onEnd);
  };
}

/** Call `onLine` for each line of a text stream, the unterminated last one included. */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  const [onText, flush] = lines(onLine);
  textOf(stream)(onText, flush);
}
