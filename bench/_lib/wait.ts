/**
 * Waiting, each wait with a deadline: for an accepted HTTP answer, for the
 * workers' ready lines, and both before running a measurement.
 */
import type { HttpResult } from "./http.ts";
import type { Proc } from "./start.ts";
import { now, sleep } from "./stats.ts";
import { stop, track } from "./stop.ts";

/** What a wait watches: a started process, or anything that can say it has ended and show its last lines (pm2's daemon). */
export type Watched = Pick<Proc, "name" | "exitedAt" | "lines">;

export const tail = (proc: Watched, n = 15): string => proc.lines.slice(-n).map((l) => `  | ${l.text}`).join("\n");

/**
 * Repeats `attempt` every `pollMs` until it returns a 200 whose `accept` is
 * true; returns the time it happened. Throws after `deadlineMs` or if `proc` exits.
 */
export async function waitFor(
  proc: Watched,
  attempt: () => Promise<HttpResult>,
  opts: { deadlineMs?: number; pollMs?: number; accept?: (r: HttpResult) => boolean } = {},
): Promise<{ t: number; result: HttpResult; errors: number }> {
  const deadline = now() + (opts.deadlineMs ?? 30_000);
  let errors = 0;
  let last = "";
  while (now() < deadline) {
    if (proc.exitedAt !== undefined) throw new Error(`${proc.name} exited before answering:\n${tail(proc)}`);
    try {
      const result = await attempt();
      if (result.status === 200 && (opts.accept?.(result) ?? true)) return { t: now(), result, errors };
      last = `HTTP ${result.status}`;
    } catch (e) {
      errors++;
      last = (e as Error).message;
    }
    await sleep(opts.pollMs ?? 10);
  }
  throw new Error(
    `${proc.name}: no accepted 200 within ${opts.deadlineMs ?? 30_000} ms (last: ${last})\n${tail(proc)}`,
  );
}

/** `[TIME ][pool:ID] ... (pid N) ready` as relayed by the supervisor, or `... (pid N) ready` from a lone worker. */
const READY = /^(?:\d{4}-\S+ )?(?:\[(api_server|runner:[\w-]+):(\d+)\] )?.*\(pid (\d+)\) ready/;

export interface ReadyWorker {
  readonly pool: string;
  readonly id: number;
  readonly pid: number;
  readonly t: number;
}

/** Ready lines the supervisor relayed so far (`[pool:ID] ... (pid N) ready`). */
export function readyWorkers(proc: Proc): ReadyWorker[] {
  const out: ReadyWorker[] = [];
  for (const l of proc.lines) {
    const m = READY.exec(l.text);
    if (m) out.push({ pool: m[1] ?? "alone", id: Number(m[2] ?? 1), pid: Number(m[3]), t: l.t });
  }
  return out;
}

/** Waits until `count` distinct worker pids have printed their ready line. */
export async function waitReady(proc: Proc, count: number, deadlineMs = 30_000): Promise<void> {
  const deadline = now() + deadlineMs;
  while (new Set(readyWorkers(proc).map((w) => w.pid)).size < count) {
    if (proc.exitedAt !== undefined || now() > deadline) {
      throw new Error(`${proc.name}: fewer than ${count} workers ready\n${tail(proc)}`);
    }
    await sleep(20);
  }
  track(proc);
}

/**
 * Waits for `until.workers` ready lines, then for a 200 from `until.probe`
 * (default deadlines), runs `fn`, and stops `proc` afterwards, whatever happened.
 */
export async function whileServing<T>(
  proc: Proc,
  until: { workers: number; probe: () => Promise<HttpResult> },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    await waitReady(proc, until.workers);
    await waitFor(proc, until.probe);
    return await fn();
  } finally {
    await stop(proc);
  }
}
