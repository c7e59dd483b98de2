/**
 * What a supervisor killed with SIGKILL (and its keeper and workers with it)
 * leaves behind: its instance file and its run dir (issue 19 item 7). Pid
 * reuse is simulated: instance files and run dirs naming a live, unrelated
 * process (a `sleep` this test starts) with another start time.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../admin/_service.ts";
import { cleanup, CLEANUP_MS, RUNTIMES, serve, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const SERVICE = "test/_fixtures/secrets-service";
const dirs: string[] = [];
const sleepers: ChildProcess[] = [];

afterEach(async () => {
  try {
    await cleanup();
  } finally {
    for (const c of sleepers.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}, CLEANUP_MS);

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return [];
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** A live process that is no bento-kit supervisor: what a reused pid points at. */
function unrelated(): number {
  const child = spawn("sleep", ["1000"], { stdio: "ignore" });
  sleepers.push(child);
  return child.pid!;
}

/** SIGKILL the keeper, the supervisor and every worker (what `kill -9 -PGID` of a terminal's group does). */
async function killEverything(s: Served): Promise<void> {
  const below = s.descendants();
  const keepers = below.filter((pid) => cmdlineOf(pid).includes("bento-kit-keeper"));
  for (const pid of keepers) process.kill(pid, "SIGKILL");
  s.child.kill("SIGKILL");
  await s.exited;
  for (const pid of below) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  expect(await s.leftovers(5_000)).toEqual([]);
}

for (const runtime of RUNTIMES) {
  test(
    `issue 19 item 7: after kill -9, status finds no service (pid reused) and the next start sweeps the run dir (${runtime})`,
    async () => {
      const state = mkdtempSync(join(tmpdir(), "bk-stale-"));
      // A TMPDIR of its own: any service that another test file starts meanwhile sweeps the dead run dirs in the
      // shared one (what the second start here checks), this one's among them.
      const tmp = mkdtempSync(join(tmpdir(), "bk-stale-tmp-"));
      dirs.push(state, tmp);
      const env = { BENTO_STATE_DIR: state, TMPDIR: tmp };
      const s = await serve(runtime, SERVICE, [], env);
      expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
      const file = join(state, `${s.pid}.json`);
      const instance = JSON.parse(readFileSync(file, "utf8"));
      const supervisorStart = startTime(s.pid);
      // The run dir: $TMPDIR/$BENTO_INSTANCE, from a worker's environment.
      const name = s.descendants().flatMap(environOf).find((e) => e.startsWith("BENTO_INSTANCE="))?.split("=")[1];
      expect(name).toMatch(/^bento-kit-/);
      const runDir = join(tmp, name!);
      expect(existsSync(runDir)).toBe(true);

      await killEverything(s);
      expect(existsSync(file)).toBe(true);
      expect(existsSync(runDir)).toBe(true);

      // Its pid, and another dead service's, now belong to live processes that are no supervisors.
      const reused = [unrelated(), unrelated()];
      for (const pid of reused) {
        writeFileSync(
          join(state, `${pid}.json`),
          JSON.stringify({ ...instance, pid, pidStart: supervisorStart }),
          { mode: 0o600 },
        );
      }
      for (const command of [["status"], ["stop", "--timeout", "5"]]) {
        const run = await runCli(command, env);
        expect(`${run.stdout}${run.stderr}`).toContain("No bento-kit service is running");
      }
      // The stale files are gone, token and all.
      expect(readdirSync(state)).toEqual([]);

      // A run dir whose owner pid was reused, and one whose owner still runs.
      const ns = readlinkSync("/proc/self/ns/pid");
      const reusedDir = mkdtempSync(join(tmp, "bento-kit-"));
      const liveDir = mkdtempSync(join(tmp, "bento-kit-"));
      dirs.push(reusedDir, liveDir);
      const sleeper = reused[0]!;
      writeFileSync(join(reusedDir, "owner.json"), JSON.stringify({ pid: sleeper, start: supervisorStart, ns }));
      writeFileSync(join(liveDir, "owner.json"), JSON.stringify({ pid: sleeper, start: startTime(sleeper), ns }));
      mkdirSync(join(reusedDir, "metrics"));

      const next = await serve(runtime, SERVICE, [], env);
      expect(await next.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
      expect(existsSync(runDir)).toBe(false);
      expect(existsSync(reusedDir)).toBe(false);
      expect(existsSync(liveDir)).toBe(true);
      const status = await runCli(["status"], env);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain("secrets");
      expect(await next.stop()).toBe(0);
    },
    120_000,
  );
}
