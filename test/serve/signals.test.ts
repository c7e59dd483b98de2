/**
 * Every signal has a meaning, at any size: SIGQUIT stops at once and leaves
 * nothing; SIGUSR1 opens no port (no inspector) and kills nothing; 1024
 * workers stop within the graceful timeout plus 1 s, and a second SIGINT ends
 * 1024 stubborn workers within 1 s.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

/** TCP ports process `pid` listens on (from `ss -ltnp`). */
function listeningPorts(pid: number): string[] {
  const out = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${pid},`)).map((l) => l.trim().split(/\s+/)[3]!).sort();
}

test("SIGQUIT stops at once: exit 0, nothing left", async () => {
  const s = await serve("node", "examples/iris", ["--timeout-graceful-shutdown", "30"]);
  const t0 = performance.now();
  s.child.kill("SIGQUIT");
  expect(await s.exited).toBe(0);
  expect(performance.now() - t0).toBeLessThan(10_000); // not the 30 s graceful timeout
  expect(s.output()).toContain("Got SIGQUIT: stopping at once");
  expect(await s.leftovers()).toEqual([]);
}, 60_000);

// SIGUSR2 is a hot upgrade (test/serve/upgrade.test.ts).
test.each([...RUNTIMES])("SIGUSR1 to the %s supervisor opens no port and stops nothing", async (runtime) => {
  const s = await serve(runtime, "examples/iris");
  const before = listeningPorts(s.pid);
  s.child.kill("SIGUSR1");
  // Deno's supervisor sets SIGUSR1 to "ignore" (no line); Node and Bun log it.
  if (runtime !== "deno") expect(await s.waitForOutput(/Got SIGUSR1: ignored/)).toBeDefined();
  await sleep(300);
  expect(listeningPorts(s.pid)).toEqual(before);
  expect(s.child.exitCode).toBeNull();
  expect(s.output()).not.toContain("Debugger listening");
  expect(await s.stop("SIGTERM")).toBe(0);
}, 60_000);

test("1024 workers stop within the graceful timeout plus 1 s", async () => {
  const s = await serve(
    "node",
    service(["sleep", "1000"], 1024),
    ["--no-admin", "--timeout-graceful-shutdown", "5"],
    {},
    undefined,
    readyMsFor(1024),
  );
  const workers = workersOf(s.pid);
  expect(workers.length).toBeGreaterThanOrEqual(1024);
  const t0 = performance.now();
  s.child.kill("SIGTERM");
  expect(await s.exited).toBe(0);
  const took = performance.now() - t0;
  console.log(`1024 workers stopped in ${took.toFixed(0)} ms`);
  expect(took).toBeLessThan(6_000);
  expect(workers.filter(stillRunning).map((w) => w.pid)).toEqual([]);
  expect(await s.leftovers()).toEqual([]);
}, readyMsFor(1024) + 60_000);

test("a second SIGINT ends 1024 workers that ignore SIGTERM within 1 s", async () => {
  const s = await serve(
    "node",
    service(["sh", "-c", "trap '' TERM; exec sleep 1000"], 1024),
    [
      "--no-admin",
      "--timeout-graceful-shutdown",
      "60",
    ],
    {},
    undefined,
    readyMsFor(1024),
  );
  const workers = workersOf(s.pid);
  s.child.kill("SIGINT");
  expect(await s.waitForOutput(/Got SIGINT: stopping gracefully/)).toBeDefined();
  await sleep(1000); // well past the same-key-press window
  const t0 = performance.now();
  s.child.kill("SIGINT");
  const deadline = Date.now() + 10_000;
  while (workers.some(stillRunning) && Date.now() < deadline) await sleep(20);
  const took = performance.now() - t0;
  console.log(`second SIGINT: 1024 stubborn workers gone in ${took.toFixed(0)} ms`);
  expect(workers.filter(stillRunning).map((w) => w.pid)).toEqual([]);
  expect(took).toBeLessThan(1_000);
  expect(await s.exited).toBe(0);
}, readyMsFor(1024) + 90_000);
