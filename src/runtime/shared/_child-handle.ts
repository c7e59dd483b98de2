/**
 * The ChildProcessHandle every spawn adapter returns (node:child_process on
 * Node and Deno, Bun.spawn on Bun), built from the child's pid, its text
 * streams and its exit: lines split and capped, lines written before anyone
 * listens kept, and the exit reported once the last output lines are read.
 */
import type { ChildProcessHandle } from "../../core/ports.ts";
import { killGroup } from "./_process-groups.ts";

/** Longest line passed to onLine; a longer one arrives in pieces of this size. */
export const MAX_LINE = 64 * 1024;

/** Feeds decoded text to `onText` as it arrives, then calls `onEnd` once (end of stream or error). */
export type TextSource = (onText: (text: string) => void, onEnd: () => void) => void;

export interface ChildParts {
  readonly pid: number;
  readonly stdout?: TextSource;
  readonly stderr?: TextSource;
  readonly notify?: TextSource;
  /** Registers the one listener for the child's exit. */
  readonly onExit: (listener: (code: number | null, signal: string | null) => void) => void;
}

type LineListener = (stream: "stdout" | "stderr", line: string) => void;
type ExitListener = (code: number | null, signal: string | null) => void;

const OUTPUT_GRACE_MS = 100;

export function childHandle(parts: ChildParts): ChildProcessHandle {
  const exitListeners: ExitListener[] = [];
  const lineListeners: LineListener[] = [];
  const notifyListeners: ((line: string) => void)[] = [];
  const notifyEarly: string[] = [];
  const [onNotifyText] = lines((line) => {
    if (notifyListeners.length === 0) notifyEarly.length < 100 && notifyEarly.push(line);
    else for (const l of notifyListeners) l(line);
  });
  parts.notify?.(onNotifyText, () => {});
  const early: [("stdout" | "stderr"), string][] = [];
  let exited: [number | null, string | null] | undefined;
  const emitLine: LineListener = (stream, line) => {
    if (lineListeners.length === 0) {
      if (early.length < 1000) early.push([stream, line]);
      return;
    }
    for (const l of lineListeners) l(stream, line);
  };
  const sources = (["stdout", "stderr"] as const).filter((s) => parts[s] !== undefined);
  const drained = Promise.all(sources.map((name) =>
    new Promise<void>((resolve) => {
      const [onText, flush] = lines((line) => emitLine(name, line));
      parts[name]!(onText, () => (flush(), resolve()));
    })
  ));
  // Report the exit once its last output lines are read (a crash's last stderr
  // lines say why), but no later than OUTPUT_GRACE_MS: a grandchild may hold the pipes.
  // The child leads its own group (every adapter spawns it detached) and what is
  // left of the group goes now, as the pool's exit handling would do anyway: a
  // grandchild holding the pipes (tsx's esbuild helper in every TypeScript
  // worker) no longer holds the report, and the respawn, for OUTPUT_GRACE_MS.
  parts.onExit((code, signal) => {
    killGroup(parts.pid, "SIGKILL");
    const report = () => {
      if (exited) return;
      exited = [code, signal];
      for (const l of exitListeners.splice(0)) l(code, signal);
    };
    const timer = setTimeout(report, OUTPUT_GRACE_MS);
    void drained.then(() => (clearTimeout(timer), report()));
  });
  return {
    pid: parts.pid,
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

/**
 * A line splitter: feed it text, it calls `onLine` for each line (CR LF
 * accepted, at most MAX_LINE characters each); the flush function passes the
 * unterminated last line.
 */
export function lines(onLine: (line: string) => void): [onText: (text: string) => void, flush: () => void] {
  let pending = "";
  const onText = (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) emitCapped(part.endsWith("\r") ? part.slice(0, -1) : part, onLine);
    while (pending.length > MAX_LINE) {
      onLine(pending.slice(0, MAX_LINE));
      pending = pending.slice(MAX_LINE);
    }
  };
  const flush = () => {
    if (pending !== "") emitCapped(pending, onLine);
    pending = "";
  };
  return [onText, flush];
}

function emitCapped(line: string, onLine: (line: string) => void): void {
  for (let i = 0; i < line.length; i += MAX_LINE) onLine(line.slice(i, i + MAX_LINE));
  if (line === "") onLine("");
}
