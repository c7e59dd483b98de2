/**
 * Process code shared by the three runtime adapters, with only node:* modules
 * that behave the same on Node, Bun and Deno: spawning into a new process
 * group, reading output lines, group signals and liveness.
 */
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { spawnFailed, type SpawnFailed } from "../core/errors.ts";
import type { BoundSocket } from "../core/types.ts";
import type { ChildProcessHandle, SpawnRequest } from "../core/ports.ts";

export { resolveHost, type ResolvedHost } from "./_bind-errors.ts";
export { aliveGroups, groupAlive, killGroup, signalTagged } from "./_process-groups.ts";

/** Longest line passed to onLine; a longer one arrives in pieces of this size. */
export const MAX_LINE = 64 * 1024;

type LineListener = (stream: "stdout" | "stderr", line: string) => void;
type ExitListener = (code: number | null, signal: string | null) => void;

/** Start `request.argv` in its own process group; resolves once the OS started it or refused. */
export function spawnProcess(request: SpawnRequest): ResultAsync<ChildProcessHandle, SpawnFailed> {
  const [program, ...args] = request.argv;
  if (program === undefined) return errAsync(spawnFailed("", "Cannot start a worker with an empty command", "EINVAL"));
  let child: ChildProcess;
  try {
    child = nodeSpawn(program, args, {
      cwd: request.cwd,
      env: { ...request.env },
      detached: true,
      stdio: [request.keepStdin ? "inherit" : "ignore", "pipe", "pipe", ...request.fds, ...(request.notify ? ["pipe" as const] : [])],
    });
  } catch (cause) {
    return errAsync(spawnError(program, request.cwd, cause));
  }
  const started = new Promise<ChildProcessHandle | SpawnFailed>((resolve) => {
    child.once("error", (cause) => resolve(spawnError(program, request.cwd, cause)));
    child.once("spawn", () => resolve(wrapChild(child, request.notify ? 3 + request.fds.length : undefined)));
  });
  return ResultAsync.fromSafePromise(started).andThen((r) =>
    "kind" in r ? errAsync(r) : okAsync(r));
}

function spawnError(program: string, cwd: string, cause: unknown): SpawnFailed {
  const code = (cause as { code?: unknown } | null)?.code;
  const name = typeof code === "string" ? code : "UNKNOWN";
  const what = `Cannot start "${program}"`;
  if (name === "ENOENT" && !existsSync(cwd)) {
    return spawnFailed("", `${what}: working directory ${cwd} does not exist (ENOENT); create it or fix cwd`, name);
  }
  const reason = name === "ENOENT"
    ? "command not found (ENOENT); check the command in bento.config or install it"
    : name === "EACCES"
    ? "permission denied (EACCES); make the file executable (chmod +x) or check the command in bento.config"
    : `${(cause as Error)?.message ?? String(cause)} (${name})`;
  return spawnFailed("", `${what}: ${reason}`, name);
}

const OUTPUT_GRACE_MS = 100;

function wrapChild(child: ChildProcess, notifyFd: number | undefined): ChildProcessHandle {
  const exitListeners: ExitListener[] = [];
  const lineListeners: LineListener[] = [];
  const notifyListeners: ((line: string) => void)[] = [];
  const notifyEarly: string[] = [];
  const notifyPipe = notifyFd === undefined ? null : child.stdio[notifyFd] as NodeJS.ReadableStream | null;
  if (notifyPipe) {
    splitLines(notifyPipe, (line) => {
      if (notifyListeners.length === 0) notifyEarly.length < 100 && notifyEarly.push(line);
      else for (const l of notifyListeners) l(line);
    });
  }
  const early: [("stdout" | "stderr"), string][] = [];
  let exited: [number | null, string | null] | undefined;
  const emitLine: LineListener = (stream, line) => {
    if (lineListeners.length === 0) {
      if (early.length < 1000) early.push([stream, line]);
      return;
    }
    for (const l of lineListeners) l(stream, line);
  };
  const streams = [child.stdout, child.stderr].filter((s) => s !== null);
  let open = streams.length;
  const drained = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    for (const s of streams) s.once("close", () => --open === 0 && resolve());
  });
  if (child.stdout) splitLines(child.stdout, (line) => emitLine("stdout", line));
  if (child.stderr) splitLines(child.stderr, (line) => emitLine("stderr", line));
  // Report the exit once its last output lines are read (a crash's last stderr
  // lines say why), but no later than OUTPUT_GRACE_MS: a grandchild may hold the pipes.
  child.once("exit", (code, signal) => {
    const report = () => {
      if (exited) return;
      exited = [code, signal];
      for (const l of exitListeners.splice(0)) l(code, signal);
    };
    const timer = setTimeout(report, OUTPUT_GRACE_MS);
    void drained.then(() => (clearTimeout(timer), report()));
  });
  return {
    pid: child.pid as number,
    onExit(listener) {
      if (exited) {
        const [code, signal] = exited;
        queueMicrotask(() => listener(code, signal));
      } else exitListeners.push(listener);
    },
    onLine(listener) {
      lineListeners.push(listener);
      for (const [stream, line] of early.splice(0)) listener(stream, line);
    },
    onNotify(listener) {
      notifyListeners.push(listener);
      for (const line of notifyEarly.splice(0)) listener(line);
    },
  };
}

/** Call `onLine` for each line of a text stream, the unterminated last one included. */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) emitCapped(part.endsWith("\r") ? part.slice(0, -1) : part, onLine);
    while (pending.length > MAX_LINE) {
      onLine(pending.slice(0, MAX_LINE));
      pending = pending.slice(MAX_LINE);
    }
  });
  stream.on("end", () => {
    if (pending !== "") emitCapped(pending, onLine);
    pending = "";
  });
  stream.on("error", () => {});
}

function emitCapped(line: string, onLine: (line: string) => void): void {
  for (let i = 0; i < line.length; i += MAX_LINE) onLine(line.slice(i, i + MAX_LINE));
  if (line === "") onLine("");
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}


/** A Unix socket's file goes with its socket (the supervisor owns it, not the workers). */
export function removeSocketFile(socket: BoundSocket): void {
  if (socket.address.kind === "unix") rmSync(socket.address.path, { force: true });
}
