/**
 * What the machine must give a launch before anything starts: a private
 * directory in the temp dir, and enough file descriptors for every socket
 * and every worker's pipes. Each shortfall is one line naming what to change.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type FdLimitTooLow, fdLimitTooLow, type TempDirUnusable, tempDirUnusable } from "../core/errors.ts";
import type { LaunchSpec } from "../core/types.ts";

/** The instance's private directory, `$TMPDIR/bento-kit-XXXXXX`. */
export function makeRunDir(): Result<string, TempDirUnusable> {
  const dir = tmpdir();
  try {
    return ok(mkdtempSync(join(dir, "bento-kit-")));
  } catch (cause) {
    const code = (cause as { code?: string } | null)?.code;
    return err(
      tempDirUnusable(dir, code, REASONS[code ?? ""] ?? (cause instanceof Error ? cause.message : String(cause))),
    );
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EROFS: "read-only file system",
  ENOENT: "it does not exist",
  ENOTDIR: "it is not a directory",
  EACCES: "permission denied",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
};

/** Descriptors the supervisor holds per worker: stdout, stderr and readiness pipes, and one more while it spawns. */
const FDS_PER_WORKER = 4;
/** Head room for the runtime's own files, loaders, timers and the admin server. */
const SPARE_FDS = 16;

/**
 * The supervisor's open-file limit against what this launch needs: the fds
 * open now, one per socket, four per worker. Linux only (/proc); elsewhere
 * nothing is checked.
 */
export function checkFdLimit(spec: LaunchSpec): Result<void, FdLimitTooLow> {
  const limit = openFileLimit();
  const open = openFdCount();
  if (limit === undefined || open === undefined) return ok(undefined);
  const sockets = new Set([...spec.sockets.map((s) => s.name), ...spec.watchers.flatMap((w) => w.sockets)]).size;
  const workers = spec.watchers.reduce((n, w) => n + w.workers, 0);
  const needed = open + sockets + FDS_PER_WORKER * workers + SPARE_FDS;
  if (needed <= limit) return ok(undefined);
  const what = `Serving ${workers} worker${workers === 1 ? "" : "s"} and ${sockets} socket${sockets === 1 ? "" : "s"}`;
  return err(fdLimitTooLow(needed, limit, what));
}

/** The soft RLIMIT_NOFILE from /proc/self/limits, or undefined when unknown or unlimited. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function openFdCount(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}
