/**
 * Memory and CPU time of a process from Linux's /proc (through a `ProcFs`:
 * node:fs, or libc over FFI on Deno). Elsewhere, or for a process that is gone,
 * there is nothing to tell: undefined. Readings are kept for a second: an
 * admin client polling `/v1/pools` of a 64-worker pool every 100 ms would
 * otherwise cost the supervisor 128 file reads per poll.
 */
import { Buffer } from "node:buffer";
import type { ProcessStats } from "../../core/ports.ts";
import { nodeProcFs, type ProcFs } from "./_procfs.ts";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream Linux). */
const CLOCK_TICKS = 100;

const FRESH_MS = 1000;

/** `processStats` over `fs`, with its own one-second cache. */
export function procStatsReader(fs: ProcFs): (pid: number) => ProcessStats | undefined {
  const cache = new Map<number, { readonly at: number; readonly stats: ProcessStats | undefined }>();
  return (pid) => {
    const now = Date.now();
    const hit = cache.get(pid);
    if (hit && now - hit.at < FRESH_MS) return hit.stats;
    if (cache.size > 4096) { for (const [k, v] of cache) if (now - v.at >= FRESH_MS) cache.delete(k); }
    const stats = readNow(fs, pid);
    cache.set(pid, { at: now, stats });
    return stats;
  };
}

export const readProcessStats = procStatsReader(nodeProcFs);

function readNow(fs: ProcFs, pid: number): ProcessStats | undefined {
  const stat = fs.readBytes(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // utime and stime (fields 14 and 15), counted after the command name (field 2), which sits in
  // parentheses and may hold spaces: bytes parsed in place, no string made.
  const utime = fieldAfter(stat, stat.lastIndexOf(CLOSE_PAREN), 14 - 2);
  const ticks = numberAt(stat, utime) + numberAt(stat, fieldAfter(stat, utime, 1));
  if (!Number.isFinite(ticks)) return undefined;
  const status = fs.readBytes(`/proc/${pid}/status`);
  if (status === undefined) return undefined; // exited meanwhile
  const rss = Buffer.from(status.buffer, status.byteOffset, status.length).indexOf(VM_RSS);
  const kib = rss < 0 ? 0 : numberAt(status, skipSpaces(status, rss + VM_RSS.length));
  return { rssBytes: Number.isFinite(kib) ? kib * 1024 : 0, cpuSeconds: ticks / CLOCK_TICKS };
}

const CLOSE_PAREN = 0x29;
const SPACE = 0x20;
const VM_RSS = Buffer.from("\nVmRSS:", "latin1");

/** Where the field `n` spaces after position `from` starts; -1 when there are fewer. */
function fieldAfter(bytes: Uint8Array, from: number, n: number): number {
  if (from < 0) return -1;
  let i = from;
  for (let seen = 0; seen < n; i++) {
    if (i >= bytes.length) return -1;
    if (bytes[i] === SPACE) seen++;
  }
  return i;
}

function skipSpaces(bytes: Uint8Array, from: number): number {
  let i = from;
  while (bytes[i] === SPACE || bytes[i] === 0x09) i++;
  return i;
}

/** The decimal number at `from`; NaN when there is none. */
function numberAt(bytes: Uint8Array, from: number): number {
  if (from < 0) return NaN;
  let value = NaN;
  for (let i = from; i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39; i++) {
    value = (Number.isNaN(value) ? 0 : value * 10) + bytes[i]! - 0x30;
  }
  return value;
}
