import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { REPEAT_WINDOW_MS } from "../../src/launch/_signals.ts";
import { rmSync, writeFileSync } from "node:fs";
import { alive, cleanup, CLEANUP_MS, run, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

async function stubborn(graceful: number) {
  const s = await serve("node", "test/_fixtures/stubborn-service", ["--timeout-graceful-shutdown", String(graceful)]);
  for (let i = 0; i < 200 && (s.output().match(/stubborn ready/g) ?? []).length < 2; i++) await Bun.sleep(20);
  const everything = s.descendants();
  expect(everything.length).toBeGreaterThanOrEqual(6); // 2 workers, 4 grandchildren (plus tsx's esbuild)
  return { s, everything };
}

test("workers that ignore SIGTERM are SIGKILLed, with their children, once the graceful timeout is over", async () => {
  const { s, everything } = await stubborn(2);
  s.child.kill("SIGTERM");
  // Not stuck: the workers sleep 300 s, far beyond this test's timeout, and ignore SIGTERM.
  expect(await s.exited).toBe(0);
  expect(everything.filter(alive)).toEqual([]);
  // The supervisor's own clock: the SIGKILL comes when its graceful timeout is over, and says so.
  expect(s.output()).toContain("workers still running after the graceful timeout: sending SIGKILL");
}, 30_000);

test("a second SIGINT kills every worker at once", async () => {
  // A graceful timeout far beyond this test's own: only the second SIGINT can end the stop in time.
  const { s, everything } = await stubborn(600);
  s.child.kill("SIGINT");
  expect(await s.waitForOutput(/Got SIGINT: stopping gracefully/)).toBeDefined();
  // A repeat within REPEAT_WINDOW_MS is the same key press (see the next test): press again after it.
  await Bun.sleep(REPEAT_WINDOW_MS + 100);
  s.child.kill("SIGINT");
  expect(await s.exited).toBe(0);
  expect(everything.filter(alive)).toEqual([]);
  expect(s.output()).toContain("Got SIGINT again: killing every worker now");
}, 30_000);

test("two deliveries of one Ctrl+C (the group's and a launcher's, ms apart) are one graceful stop", async () => {
  const { s } = await stubborn(3);
  s.child.kill("SIGINT");
  s.child.kill("SIGINT");
  expect(await s.exited).toBe(0);
  expect(s.output()).not.toContain("Got SIGINT again");
  expect(s.output()).toContain("workers still running after the graceful timeout: sending SIGKILL");
}, 30_000);

test(
  "SIGTERM during start-up (runners spawned, the API pool held in beforeSpawn): no start line, exit 0, nothing left behind",
  async () => {
    const gate = `/tmp/bento-kit-test-gate-${process.pid}-${Date.now()}`;
    try {
      const s = run("node", ["serve", "test/_fixtures/gated-service", "--port", "0", "--host", "127.0.0.1"], {
        BENTO_TEST_GATE: gate,
      });
      expect(await s.waitForOutput(/holding api_server:1 until/)).toBeDefined();
      expect(await s.waitForOutput(/\[runner:r:2\] runner 2 ready/)).toBeDefined();
      const runners = s.descendants();
      expect(runners.length).toBeGreaterThanOrEqual(2);
      s.child.kill("SIGTERM");
      expect(await s.waitForOutput(/Got SIGTERM: stopping gracefully/)).toBeDefined();
      writeFileSync(gate, ""); // start-up goes on, sees the stop, and spawns nothing more
      expect(await s.exited).toBe(0);
      expect(s.output()).not.toContain("Starting production");
      expect(s.output()).not.toMatch(/api 2 ready/);
      expect(runners.filter(alive)).toEqual([]);
      expect(await s.leftovers()).toEqual([]);
    } finally {
      rmSync(gate, { force: true });
    }
  },
  30_000,
);

test(
  "SIGTERM as soon as the first worker exists (start-up may just have ended): exit 0, nothing left behind",
  async () => {
    const s = run("node", ["serve", "examples/iris", "--port", "0", "--host", "127.0.0.1", "--api-workers", "4"]);
    const end = Date.now() + 20_000;
    // A worker leads its own process group; tsx's esbuild service does not.
    while (Date.now() < end && !s.procs.record().some((p) => p.pgid === p.pid)) await Bun.sleep(2);
    expect(s.procs.seen().some((p) => p.pgid === p.pid)).toBe(true);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    console.log(`stopped ${s.output().includes("Starting production") ? "after" : "during"} start-up`);
    expect(await s.leftovers()).toEqual([]);
  },
  30_000,
);

test("a reader that goes away (serve | head) does not crash the supervisor", async () => {
  const s = run("node", ["serve", "examples/iris", "--port", "0"]);
  await s.waitForOutput(/Starting production/);
  s.child.stdout!.destroy();
  await Bun.sleep(1500); // the workers keep writing ready lines into the closed pipe
  const workers = s.descendants();
  expect(s.child.exitCode).toBeNull();
  s.child.kill("SIGTERM");
  expect(await s.exited).toBe(0);
  expect(workers.filter(alive)).toEqual([]);
}, 30_000);

test(
  "when a worker exits on SIGTERM, what it leaves behind is killed at once, not at the graceful deadline",
  async () => {
    // A graceful deadline beyond this test's timeout: a stop that waited for it would fail the test.
    const s = await serve("node", "test/_fixtures/leaver-service", ["--timeout-graceful-shutdown", "600"]);
    await s.waitForOutput(/leaver ready/);
    const everything = s.descendants();
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(everything.filter(alive)).toEqual([]);
    expect(s.output()).not.toContain("still running after the graceful timeout");
    // Its children stayed in its process group: the group signal took them, not the tagged-process sweep.
    expect(s.output()).not.toContain("outside their process group");
  },
  40_000,
);

test(
  "a reader that stalls (a paused | less) neither freezes the supervisor nor keeps it alive after a stop",
  async () => {
    const { spawn } = await import("node:child_process");
    const { supervisorArgv, descendantsOf } = await import("../_helpers/serve-process.ts");
    const [cmd, ...pre] = supervisorArgv("node");
    // stdout is a pipe nobody reads: it fills up within milliseconds.
    const child = spawn(cmd!, [
      ...pre,
      "serve",
      "test/_fixtures/spew-service",
      "--port",
      "0",
      "--timeout-graceful-shutdown",
      "2",
    ], { stdio: ["ignore", "pipe", "ignore"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      let workers: number[] = [];
      for (let i = 0; i < 100 && workers.length === 0; i++) {
        await Bun.sleep(50);
        workers = descendantsOf(child.pid!).filter((pid) => {
          try {
            return require("node:fs").readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("python3");
          } catch {
            return false;
          }
        });
      }
      expect(workers.length).toBe(1);
      await Bun.sleep(1500); // the worker spews far more than the pipe holds
      child.kill("SIGTERM");
      // A frozen supervisor would never exit (the test's timeout ends it).
      expect(await exited).toBe(0);
      expect(workers.filter(alive)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  },
  30_000,
);
