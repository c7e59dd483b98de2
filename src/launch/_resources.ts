/**
 * What the machine must give a launch before anything starts: a private
 * directory in the temp dir, and enough file descriptors for every socket
 * and every worker's pipes. Each shortfall is one line naming what to change.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type FdLimitTooLow, fdLimitTooLow, type TempDirUnusable, tempDirUnusable } from "../core/errors.ts";
import type { LaunchSpec } from "../core/types.ts";
import { type Owner, ownerAlive, pidNamespace, selfOwner } from "./_owner.ts";

const RUN_DIR_PREFIX = "bento-kit-";
/** In each run dir: `{"pid":…,"start":"…"}`, the supervisor that made it. */
export const RUN_DIR_OWNER = "owner.json";

/**
 * The instance's private directory, `$TMPDIR/bento-kit-XXXXXX`, with its owner
 * recorded in it. The run dirs of dead instances are swept (`sweepRunDirs`)
 * once the workers are spawned: that pass over the temp dir (an owner file
 * and a /proc read for each bento-kit-* there) is no part of the start-up.
 */
export function makeRunDir(): Result<string, TempDirUnusable> {
  const dir = tmpdir();
  let made: string | undefined;
  try {
    made = mkdtempSync(join(dir, RUN_DIR_PREFIX));
    writeFileSync(join(made, RUN_DIR_OWNER), `${JSON.stringify(selfOwner())}\n`, { mode: 0o600, flag: "wx" });
    return ok(made);
  } catch (cause) {
    if (made !== undefined) rmSync(made, { recursive: true, force: true });
    const code = (cause as { code?: string } | null)?.code;
    return err(
      tempDirUnusable(dir, code, REASONS[code ?? ""] ?? (cause instanceof Error ? cause.message : String(cause))),
    );
  }
}

/**
 * Remove the run dirs that instances killed with SIGKILL (supervisor and
 * keeper together) left in `dir`, the decrypted TLS key copy with them. Only
 * ours: a real directory named bento-kit-*, owned by this user, whose owner
 * file names a process of this pid namespace that is gone or whose pid now
 * belongs to another process (another start time). A dir without an owner file (being made right now, or made by an
 * older bento-kit) is left alone. Returns the dirs removed.
 */
export function sweepRunDirs(dir = tmpdir()): string[] {
  const uid = process.getuid?.();
  const ns = pidNamespace();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(RUN_DIR_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const owner = readOwner(path);
      if (owner === undefined || owner.ns !== ns || ownerAlive(owner)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch { /* gone meanwhile, or not ours to read: left alone */ }
  }
  return removed;
}

function readOwner(runDir: string): Owner | undefined {
  try {
    const v = JSON.parse(readFileSync(join(runDir, RUN_DIR_OWNER), "utf8")) as Partial<Owner>;
    if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0) return undefined;
    const start = typeof v.start === "string" ? { start: v.start } : {};
    return { pid: v.pid, ...start, ...(typeof v.ns === "string" ? { ns: v.ns } : {}) };
  } catch {
    return undefined;
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
