/**
 * Spawning through Bun.spawn (posix_spawn, no node:child_process or Node
 * streams): a new session and process group (`detached`), the sockets as fds
 * 3, 4, ..., stdout, stderr and the notify pipe read as lines (../shared/_child-handle.ts).
 */
import { closeSync } from "node:fs";
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import type { SpawnFailed } from "../../core/errors.ts";
import type { ChildProcessHandle, SpawnRequest } from "../../core/ports.ts";
import { childHandle, type TextSource } from "../shared/_child-handle.ts";
import { emptyCommand, spawnError } from "../shared/_spawn-error.ts";

/** The part of Bun's API used here (typed locally: deno check reads this file too, without Bun's typings). */
interface BunSpawn {
  spawn(options: {
    cmd: string[];
    cwd: string;
    env: Record<string, string>;
    detached: boolean;
    stdio: (string | number)[];
    onExit(proc: unknown, code: number | null, signal: string | null): void;
  }): {
    readonly pid: number;
    readonly stdout: ReadableStream<Uint8Array> | null | undefined;
    readonly stderr: ReadableStream<Uint8Array> | null | undefined;
    readonly stdio: (number | null)[];
  };
  file(fd: number): { stream(): ReadableStream<Uint8Array> };
}

export function bunSpawnProcess(request: SpawnRequest): ResultAsync<ChildProcessHandle, SpawnFailed> {
  const program = request.argv[0];
  if (program === undefined) return errAsync(emptyCommand());
  const bun = (globalThis as unknown as { Bun: BunSpawn }).Bun;
  let exit: [number | null, string | null] | undefined;
  let onExit: ((code: number | null, signal: string | null) => void) | undefined;
  try {
    const child = bun.spawn({
      cmd: [...request.argv],
      cwd: request.cwd,
      env: { ...request.env },
      detached: true,
      // "socket-fd": the notify pipe's end here is ours to close (Bun never closes an extra "pipe").
      stdio: [
        request.keepStdin ? "inherit" : "ignore",
        request.inheritOutput ? "inherit" : "pipe",
        request.inheritOutput ? "inherit" : "pipe",
        ...request.fds,
        ...(request.notify ? ["socket-fd"] : []),
        ...(request.logFd !== undefined ? [request.logFd] : []),
      ],
      onExit(_proc, code, signal) {
        exit = [code, signal];
        onExit?.(code, signal);
      },
    });
    const notifyFd = request.notify ? child.stdio[3 + request.fds.length] : null;
    return okAsync(childHandle({
      pid: child.pid,
      stdout: child.stdout ? textOf(child.stdout) : undefined,
      stderr: child.stderr ? textOf(child.stderr) : undefined,
      notify: typeof notifyFd === "number" ? closingFd(notifyFd, textOf(bun.file(notifyFd).stream())) : undefined,
      onExit(listener) {
        if (exit) listener(...exit);
        else onExit = listener;
      },
    }));
  } catch (cause) {
    return errAsync(spawnError(program, request.cwd, cause));
  }
}

/** `source`, closing `fd` once it has ended (the child has exited or closed its end). */
function closingFd(fd: number, source: TextSource): TextSource {
  return (onText, onEnd) =>
    source(onText, () => {
      try {
        closeSync(fd);
      } catch { /* already closed */ }
      onEnd();
    });
}

/** A web stream of bytes as a TextSource (UTF-8, multi-byte characters kept whole across chunks). */
function textOf(stream: ReadableStream<Uint8Array>): TextSource {
  return (onText, onEnd) => {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
          onText(decoder.decode(chunk, { stream: true }));
        }
      } catch { /* the pipe broke: treated as its end */ }
      const rest = decoder.decode();
      if (rest !== "") onText(rest);
      onEnd();
    })();
  };
}
