/**
 * The escaped processes of test/_fixtures/escape-per-worker-service (each worker
 * runs `setsid sleep 100000 & exec sleep 100001`), found through /proc by the
 * supervisor's BENTO_INSTANCE tag.
 */
import { readdirSync, readFileSync } from "node:fs";
import { alive, descendantsOf, sleep } from "./serve-process.ts";

export const ESCAPE_SERVICE = "test/_fixtures/escape-per-worker-service";
/** Seconds: a sweep's SIGKILL comes at the latest this long after a worker's exit. */
export const GRACE_S = 5;
/** How long a sweep may take: the graceful timeout, plus as much again for the supervisor to notice the exit. */
export const SWEEP_MS = 2 * GRACE_S * 1000;

export function instanceOf(pid: number): string | undefined {
  for (const child of descendantsOf(pid)) {
    try {
      const m = readFileSync(`/proc/${child}/environ`, "latin1").match(/(?:^|\0)BENTO_INSTANCE=([^\0]+)/);
      if (m) return m[1];
    } catch { /* gone */ }
  }
  return undefined;
}

/** The live `sleep 100000` processes (the escapees) of this instance, with their parent pid. */
export function escapees(instance: string): { pid: number; ppid: number }[] {
  const out: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") !== "sleep\x00100000\x00") continue;
      const environ = `\0${readFileSync(`/proc/${entry}/environ`, "latin1")}`;
      if (!environ.includes(`\0BENTO_INSTANCE=${instance}\0`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (alive(Number(entry))) {
        out.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) });
      }
    } catch { /* gone */ }
  }
  return out;
}

export async function until<T>(ms: number, probe: () => T, ok: (value: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  let value = probe();
  while (!ok(value) && Date.now() < end) {
    await sleep(50);
    value = probe();
  }
  return value;
}
