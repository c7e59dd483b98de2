/**
 * A helper process the supervisor talks to through its stdin (the keeper):
 * its own session, stdout and stderr ignored, never keeping the supervisor
 * alive. Bun.spawn on Bun (Node's child_process and streams take about 10 ms
 * to set up there), node:child_process elsewhere.
 */
import { settleWithin } from "./settle-within.ts";

// Bun never loads node:child_process for it (that module alone costs its start a few ms).
const { spawn } = (globalThis as { Bun?: unknown }).Bun
  ? {} as typeof import("node:child_process")
  : await import("node:child_process");

export interface PipedChild {
  /** Writes text to its stdin (nothing once it is gone). */
  write(text: string): void;
  /** Closes its stdin; resolves once it has exited, or after `ms`. */
  end(ms: number): Promise<void>;
}

/** The part of Bun's API used here (typed locally: deno check reads this file too). */
interface BunPipedSpawn {
  spawn(
    options: {
      cmd: string[];
      env: Record<string, string>;
      detached: boolean;
      stdin: "pipe";
      stdout: "ignore";
      stderr: "ignore";
    },
  ): {
    readonly stdin: { write(text: string): number; flush(): unknown; end(): unknown; unref?(): void };
    readonly exited: Promise<unknown>;
    unref(): void;
  };
}

/** Starts `argv`; undefined if it cannot be started. */
export function startPipedChild(argv: readonly string[], env: Record<string, string>): PipedChild | undefined {
  const bun = (globalThis as { Bun?: BunPipedSpawn }).Bun;
  return bun ? startWithBun(bun, argv, env) : startWithNode(argv, env);
}

function startWithBun(
  bun: BunPipedSpawn,
  argv: readonly string[],
  env: Record<string, string>,
): PipedChild | undefined {
  try {
    const child = bun.spawn({ cmd: [...argv], env, detached: true, stdin: "pipe", stdout: "ignore", stderr: "ignore" });
    child.unref();
    child.stdin.unref?.();
    let open = true;
    const guarded = (fn: () => unknown) => {
      try {
        fn();
      } catch {
        open = false; // it is gone: the pipe is broken
      }
    };
    return {
      write: (text) => open && guarded(() => (child.stdin.write(text), child.stdin.flush())),
      end(ms) {
        if (open) guarded(() => child.stdin.end());
        open = false;
        return settleWithin(child.exited, ms);
      },
    };
  } catch {
    return undefined;
  }
}

function startWithNode(argv: readonly string[], env: Record<string, string>): PipedChild | undefined {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "ignore", "ignore"], detached: true, env });
  } catch {
    return undefined;
  }
  child.on("error", () => {});
  child.unref();
  const stdin = child.stdin!;
  stdin.on("error", () => {});
  (stdin as unknown as { unref?(): void }).unref?.();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    write: (text) => void stdin.write(text),
    end(ms) {
      stdin.end();
      return settleWithin(exited, ms);
    },
  };
}
