/**
 * Every signal has a meaning, at any size: SIGQUIT stops at once and leaves
 * nothing; SIGUSR1 opens no port (no inspector) and kills nothing; 1024
 * workers stop on SIGTERM with no SIGKILL (Node supervisor), and a second SIGINT
 * kills 1024 stubborn workers (Bun supervisor). No duration is asserted: the graceful timeout is 600 s,
 * far beyond each test's own timeout, so a stop that only the graceful
 * timeout's SIGKILL would end fails the test by timing out.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cmdline, descendantProcs, type Proc, stillRunning } from "../_helpers/procs.ts";
import { cleanup, CLEANUP_MS, readyMsFor, RUNTIMES, serve, serviceTestMs, sleep } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const dirs: string[] = [];
afterEach(async () => {
  await cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, CLEANUP_MS);

function service(command: string[], workers: number): string {
  const dir = mkdtempSync(join(tmpdir(), "signals-"));
  dirs.push(dir);
  writeFileSync(
    join(dir, "bento.config.json"),
    JSON.stringify({ name: "signals", api: { command, workers, ready: { after: 0 } } }),
  );
  return dir;
}

/**
 * The supervisor's worker processes (its keeper left out: it exits once the
 * supervisor says done), by pid and start time: 1024 workers cycle through
 * pids fast, and with other tests running a pid freed here was seen back, on
 * another process, between two checks.
 */
function workersOf(pid: number): Proc[] {
  return descendantProcs(pid).filter((p) => {
    const command = cmdline(p.pid);
    return command !== "?" && !command.includes("bento-kit-keeper");
  });
}

/** Whether process `pid` ignores SIGUSR1 (signal 10: bit 9 of SigIgn in /proc/PID/status). */
function ignoresSigusr1(pid: number): boolean {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("SigIgn:"))!;
  return (BigInt(`0x${line.slice("SigIgn:".length).trim()}`) & (1n << 9n)) !== 0n;
}

/** TCP ports process `pid` listens on (from `ss -ltnp`). */
function listeningPorts(pid: number): string[] {
  const out = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${pid},`)).map((l) => l.trim().split(/\s+/)[3]!).sort();
}

test("SIGQUIT stops at once: exit 0, nothing left", async () => {
  const s = await serve("node", "examples/iris", ["--timeout-graceful-shutdown", "600"]);
  s.child.kill("SIGQUIT");
  expect(await s.exited).toBe(0); // not after the 600 s graceful timeout: the test's own timeout is shorter
  expect(s.output()).toContain("Got SIGQUIT: stopping at once");
  expect(s.output()).not.toContain("still running after the graceful timeout");
  expect(await s.leftovers()).toEqual([]);
}, 60_000);

// SIGUSR2 is a hot upgrade (test/serve/upgrade.test.ts).
test.each([...RUNTIMES])(
  "SIGUSR1 to the %s supervisor opens no port and stops nothing; its workers, a replacement too, do not inherit it ignored",
  async (runtime) => {
    const s = await serve(runtime, "examples/iris");
    const before = listeningPorts(s.pid);
    // Once as soon as it serves, once past Deno's 500 ms before it arms its inspector on SIGUSR1.
    for (const wait of [300, 700]) {
      s.child.kill("SIGUSR1");
      // Deno's supervisor sets SIGUSR1 to "ignore" (no line); Node and Bun log it.
      if (runtime !== "deno") expect(await s.waitForOutput(/Got SIGUSR1: ignored/)).toBeDefined();
      await sleep(wait);
      expect(listeningPorts(s.pid)).toEqual(before);
    }
    expect(s.child.exitCode).toBeNull();
    expect(s.output()).not.toContain("Debugger listening");
    // Whatever the supervisor does with SIGUSR1, its workers get the default, a replacement spawned now too: an
    // ignored signal stays ignored across exec (a shell worker could not even trap it), a handler does not.
    const first = workersOf(s.pid);
    process.kill(first[0]!.pid, "SIGKILL");
    const end = Date.now() + readyMsFor(4);
    while (Date.now() < end && !workersOf(s.pid).some((w) => !first.some((f) => f.pid === w.pid))) await sleep(50);
    const workers = workersOf(s.pid);
    expect(workers.some((w) => !first.some((f) => f.pid === w.pid))).toBe(true);
    for (const w of workers) {
      expect({ pid: w.pid, ignoresSigusr1: ignoresSigusr1(w.pid) }).toEqual({ pid: w.pid, ignoresSigusr1: false });
    }
    expect(await s.stop("SIGTERM")).toBe(0);
  },
  60_000,
);

test("1024 workers stop on SIGTERM, none needs the graceful timeout's SIGKILL", async () => {
  const s = await serve(
    "node",
    service(["sleep", "1000"], 1024),
    ["--no-admin", "--timeout-graceful-shutdown", "600"],
    {},
    undefined,
    readyMsFor(1024),
  );
  const workers = workersOf(s.pid);
  expect(workers.length).toBeGreaterThanOrEqual(1024);
  s.child.kill("SIGTERM");
  expect(await s.exited).toBe(0);
  expect(s.output()).not.toContain("still running after the graceful timeout");
  expect(workers.filter(stillRunning).map((w) => w.pid)).toEqual([]);
  expect(await s.leftovers()).toEqual([]);
}, readyMsFor(1024) + 60_000);

// On a Bun supervisor, as the SIGTERM test above is on Node: both runtimes stop 1024 workers, and this one takes
// 10.8 s and 18 s of CPU on a quiet machine where on Node it took 17.4 s and 29 s (Node forks its whole process
// for every spawn).
test("a second SIGINT kills 1024 workers that ignore SIGTERM (Bun supervisor)", async () => {
  const s = await serve(
    "bun",
    service(["sh", "-c", "trap '' TERM; exec sleep 1000"], 1024),
    [
      "--no-admin",
      "--timeout-graceful-shutdown",
      "600",
    ],
    {},
    undefined,
    readyMsFor(1024),
  );
  const workers = workersOf(s.pid);
  s.child.kill("SIGINT");
  expect(await s.waitForOutput(/Got SIGINT: stopping gracefully/)).toBeDefined();
  await sleep(1000); // well past the same-key-press window
  s.child.kill("SIGINT");
  expect(await s.waitForOutput(/Got SIGINT again: killing every worker now/)).toBeDefined();
  // Only the second SIGINT can end these workers before the 600 s graceful timeout.
  for (let i = 0; i < readyMsFor(1024) / 20 && workers.some(stillRunning); i++) await sleep(20);
  expect(workers.filter(stillRunning).map((w) => w.pid)).toEqual([]);
  expect(await s.exited).toBe(0);
  expect(s.output()).not.toContain("still running after the graceful timeout");
}, readyMsFor(1024) + 90_000);
