/**
 * bento-kit as PID 1 of its own PID namespace (a container without --init):
 * `unshare --pid --fork --mount-proc <supervisor> serve orphans-service`, as
 * root. The fixture's worker double-forks 200 short-lived grandchildren
 * (`(sleep 0.05 &)`), which are re-parented to the namespace's init (or to
 * the perl subreaper that a Node PID 1 starts). The test reads the namespace
 * through the host's /proc: everything below the unshare child (the
 * namespace's init, seen by its host pid), zombies included.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { ROOT, type Runtime, RUNTIMES, serviceTestMs, sleep, supervisorArgv } from "../_helpers/serve-process.ts";
import { killTracked, track } from "./_spawned.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(killTracked);

const SERVICE = "test/_fixtures/orphans-service";
const canUnshare = process.getuid?.() === 0 &&
  spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

interface P {
  pid: number;
  ppid: number;
  state: string;
  cmd: string;
}

/** Every process below `root` (zombies too), read from the host's /proc. */
function below(root: number): P[] {
  const all: P[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      all.push({ pid: Number(entry), ppid: Number(f[1]), state: f[0]!, cmd });
    } catch { /* gone */ }
  }
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    let q: P | undefined = p;
    for (let depth = 0; q && depth < 50; depth++) {
      if (q.ppid === root) return true;
      q = byPid.get(q.ppid);
    }
    return false;
  });
}

async function until<T>(what: string | (() => string), ms: number, check: () => T | undefined | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`);
    }
    await sleep(50);
  }
}

/** The service as PID 1 of a new PID namespace; `init` is the host pid of that PID 1. */
async function servePid1(runtime: Runtime, env: Record<string, string> = {}) {
  const child = track(
    spawn("unshare", [
      "--pid",
      "--fork",
      "--mount-proc",
      ...supervisorArgv(runtime),
      "serve",
      SERVICE,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      // A process group of its own (unshare and the namespace's PID 1): the Ctrl+C test signals it.
      detached: true,
    }),
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const output = () => out;
  await until(
    () => `the start line:\n${out}`,
    60_000,
    () => /Press CTRL\+C to quit/.test(out) || child.exitCode !== null,
  );
  expect(out).toContain("Press CTRL+C to quit");
  const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim());
  return { child, init, exited, output };
}

function pgidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

const zombies = (init: number) => below(init).filter((p) => p.state === "Z");
const worker = (init: number) => below(init).find((p) => p.state !== "Z" && p.cmd.startsWith("sh -c i=0"));

/** Wait until the 200 grandchildren of the latest start are gone and nothing is a zombie (twice in a row). */
async function noZombies(init: number): Promise<void> {
  let clean = 0;
  await until(() => `no zombie below PID 1 (now ${zombies(init).length})`, 30_000, () => {
    const procs = below(init);
    const quiet = !procs.some((p) => p.cmd === "sleep 0.05") && !procs.some((p) => p.state === "Z");
    clean = quiet ? clean + 1 : 0;
    return clean >= 2;
  });
}

for (const runtime of RUNTIMES) {
  test.skipIf(!canUnshare)(
    `${runtime} as PID 1: after 200 double-forked grandchildren have exited (twice: a worker killed and respawned), no zombie; SIGTERM to PID 1 stops gracefully, exit 0`,
    async () => {
      const s = await servePid1(runtime);
      await noZombies(s.init);
      // The runtime still collects its own worker's exit: kill -9, and the worker comes back.
      const first = await until("the worker", 10_000, () => worker(s.init));
      process.kill(first.pid, "SIGKILL");
      await until(
        "the replacement's 200 grandchildren",
        30_000,
        () => (s.output().match(/orphans forked/g) ?? []).length >= 2,
      );
      await noZombies(s.init);
      process.kill(s.init, "SIGTERM");
      expect(await s.exited).toBe(0);
      expect(s.output()).toContain("[api_server:1] orphans got TERM");
      expect(s.output()).toContain("Stopped: every worker is gone");
      expect(s.output().match(/Got SIGTERM/g)).toHaveLength(1);
      expect(s.output()).toContain("Running as PID 1:");
      expect(s.output()).not.toContain("will stay zombies");
    },
    120_000,
  );

  test.skipIf(!canUnshare)(
    `${runtime} as PID 1: a worker's exit code still reaches the supervisor (BENTO_CONTAINERIZED: exit 1 naming it)`,
    async () => {
      const s = await servePid1(runtime, { BENTO_CONTAINERIZED: "1" });
      await noZombies(s.init);
      const w = await until("the worker", 10_000, () => worker(s.init));
      process.kill(w.pid, "SIGUSR1"); // the fixture's worker exits 7
      expect(await s.exited).toBe(1);
      expect(s.output()).toMatch(/Pool api_server lost its last worker: .*exit code 7/);
    },
    120_000,
  );

  test.skipIf(!canUnshare)(
    `${runtime} as PID 1: a Ctrl+C to the process group reaches the supervisor once (a graceful stop, not "kill now")`,
    async () => {
      const s = await servePid1(runtime);
      // Only PID 1 is in the terminal's process group: a Ctrl+C reaches the rest
      // through forwarding alone (signals sent at once may merge, so count too).
      const group = [s.init, ...below(s.init).map((p) => p.pid)].filter((pid) => pgidOf(pid) === s.child.pid);
      expect(group).toEqual([s.init]);
      process.kill(-s.child.pid!, "SIGINT");
      expect(await s.exited).toBe(0);
      expect(s.output().match(/Got SIGINT/g)).toHaveLength(1);
      expect(s.output()).not.toContain("Got SIGINT again");
      expect(s.output()).toContain("[api_server:1] orphans got TERM");
    },
    120_000,
  );
}
