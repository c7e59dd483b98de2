/**
 * Stopping what a benchmark started, by pid: remember a process's descendants,
 * SIGTERM then (past a grace period) SIGKILL, and find this run's leftovers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { RUN_ID } from "./config.ts";
import { cmdline, descendantsOf, running } from "./procfs.ts";
import type { Proc } from "./start.ts";
import { now, sleep } from "./stats.ts";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Remember the current descendants of `proc` (so a failed stop can still kill them). */
export function track(proc: Proc): void {
  for (const d of descendantsOf(proc.pid)) {
    const cmd = cmdline(d);
    if (cmd !== "") proc.seen.set(d, cmd);
  }
}

/**
 * SIGTERM `proc` and wait for it (at most `graceMs`); if it is still there,
 * SIGKILL it and every descendant it had. Returns how long the stop took.
 */
export async function stop(proc: Proc, graceMs = 20_000): Promise<number> {
  track(proc);
  const t = now();
  if (proc.exitedAt === undefined) {
    try {
      process.kill(proc.pid, "SIGTERM");
    } catch { /* already gone */ }
    const done = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      console.error(`${proc.name} pid ${proc.pid} ignored SIGTERM for ${graceMs} ms: SIGKILL`);
      for (const pid of [proc.pid, ...proc.seen.keys()]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
      await Promise.race([proc.exited, sleep(5000)]);
    }
  }
  // Workers of a supervisor that exited must be gone too; wait briefly, then make sure.
  const still = (): number[] =>
    [...proc.seen].filter(([pid, cmd]) => alive(pid) && cmdline(pid) === cmd).map(([pid]) => pid);
  for (let i = 0; i < 50 && still().length > 0; i++) await sleep(100);
  for (const pid of still()) {
    console.error(`leftover pid ${pid} of ${proc.name}: SIGKILL (${cmdline(pid)})`);
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  return now() - t;
}

/**
 * Processes still carrying this run's marker in their environment (other than
 * this one), and those whose command line matches `alsoCmdline` (for daemons
 * that might rebuild their environment, e.g. pm2's).
 */
export function leftovers(alsoCmdline?: RegExp): string[] {
  const found: string[] = [];
  const marker = `BENTO_KIT_BENCH=${RUN_ID}\0`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const pid = Number(entry);
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(`${entry} ${cmdline(pid)}`);
      else if (alsoCmdline?.test(cmdline(pid)) && running(pid)) found.push(`${entry} ${cmdline(pid)}`);
    } catch { /* gone or not ours */ }
  }
  return found;
}
