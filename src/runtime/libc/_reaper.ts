/**
 * Reaping orphans in-process, for a Bun or Deno supervisor that runs as PID 1
 * (a container without `--init`): processes whose parent died are re-parented
 * to PID 1, and nothing else would ever collect their exit status, so they
 * would stay zombies. Node cannot call waitpid() on a pid it did not spawn
 * (no FFI); src/cli/_pid1.ts puts a perl subreaper in front of it instead.
 *
 * Only zombies the runtime does not collect itself are reaped. A blanket
 * waitpid(-1) would also take the exit status of the supervisor's own workers
 * before the runtime's child-process code sees it (no `exit` event, no
 * respawn). So the reaper lists the zombie children of this process through
 * /proc, and reaps one with waitpid(pid, WNOHANG) only once it has seen it as
 * a zombie on two scans in a row: the runtime collects its own children within
 * one turn of the event loop after they exit (Bun through a pidfd, Deno through
 * SIGCHLD), and the scans run on that same event loop, one timer turn apart.
 * A zombie the runtime leaves for a whole turn is not one it waits for.
 */
import { readdirSync, readFileSync } from "node:fs";
import { LIBC_PATH } from "./_libc-socket.ts";
import { unrefTimer } from "../../timer.ts";

const WNOHANG = 1;

export interface Reaper {
  /** Zombies reaped so far. */
  readonly reaped: number;
  /** One scan now (the timer runs them every `intervalMs`). */
  scan(): void;
  stop(): void;
}

/** `waitpid(pid, NULL, WNOHANG)`: the pid reaped, 0 if it has not exited, -1 on error. */
export type WaitPid = (pid: number) => number;

/** Scan every `intervalMs` (on an unref'd timer: it never keeps the process alive). */
export function startReaper(waitpid: WaitPid, options: { intervalMs?: number; self?: number } = {}): Reaper {
  const self = options.self ?? process.pid;
  let seen = new Set<string>();
  let reaped = 0;
  const scan = () => {
    const now = new Set<string>();
    for (const [pid, key] of zombieChildren(self)) {
      if (!seen.has(key)) now.add(key);
      else if (waitpid(pid) === pid) reaped += 1;
    }
    seen = now;
  };
  const timer = setInterval(scan, options.intervalMs ?? 500);
  unrefTimer(timer);
  return {
    get reaped() {
      return reaped;
    },
    scan,
    stop: () => clearInterval(timer),
  };
}

/** [pid, "pid:starttime"] of each zombie whose parent is `self`. */
export function zombieChildren(self: number): [number, string][] {
  const out: [number, string][] = [];
  for (const pid of childrenOf(self)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (f[0] === "Z" && Number(f[1]) === self) out.push([pid, `${pid}:${f[19]}`]);
    } catch { /* reaped meanwhile */ }
  }
  return out;
}

/** Children of `self` through /proc/PID/task/TID/children, or a scan of /proc without it. */
function childrenOf(self: number): number[] {
  try {
    return readdirSync(`/proc/${self}/task`).flatMap((tid) =>
      readFileSync(`/proc/${self}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number)
    );
  } catch {
    // No CONFIG_PROC_CHILDREN: every pid; zombieChildren checks the parent.
    return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number);
  }
}

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): {
    symbols: { waitpid(pid: number, status: null, options: number): number };
  };
}

/** waitpid from libc through the runtime's FFI (Bun: bun:ffi; Deno: Deno.dlopen, needs --allow-ffi). */
export async function libcWaitPid(runtime: "bun" | "deno"): Promise<WaitPid> {
  if (runtime === "bun") {
    const { dlopen } = await import("bun:ffi");
    const { symbols } = dlopen(LIBC_PATH, { waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" } });
    return (pid) => symbols.waitpid(pid, null, WNOHANG);
  }
  const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
  const { symbols } = deno.dlopen(LIBC_PATH, { waitpid: { parameters: ["i32", "pointer", "i32"], result: "i32" } });
  return (pid) => symbols.waitpid(pid, null, WNOHANG);
}
