/**
 * Nothing outlives the service: workers and what they started die with a
 * supervisor killed by SIGKILL (on Node, Bun and Deno), and a worker's
 * children that left its process group (setsid, detached) stop with it.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import {
  alive,
  cleanup,
  CLEANUP_MS,
  descendantsOf,
  runDirOf,
  runDirOfWorkers,
  RUNTIMES,
  serve,
  serviceTestMs,
  sleep,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

/** The instance tag every worker of supervisor `pid` carries in BENTO_INSTANCE. */
function instanceOf(pid: number): string {
  for (const child of descendantsOf(pid)) {
    try {
      const m = readFileSync(`/proc/${child}/environ`, "latin1").match(/(?:^|\0)BENTO_INSTANCE=([^\0]+)/);
      if (m) return m[1]!;
    } catch { /* gone */ }
  }
  return "?";
}

/** Every live process of this service instance (by its BENTO_INSTANCE tag) whose command line matches `pattern`. */
function processesWith(pattern: RegExp, instance: string): number[] {
  const out: number[] = [];
  for (const entry of require("node:fs").readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (
        readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim().match(pattern) &&
        readFileSync(`/proc/${entry}/environ`, "latin1").includes(`BENTO_INSTANCE=${instance}\0`) &&
        alive(Number(entry))
      ) out.push(Number(entry));
    } catch { /* gone */ }
  }
  return out;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: "127.0.0.1" });
    c.once("connect", () => (c.destroy(), resolve(false)));
    c.once("error", () => resolve(true));
  });
}

async function within(ms: number, condition: () => boolean | Promise<boolean>): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await condition()) return performance.now() - t0;
    await sleep(50);
  }
  return undefined;
}

test.each([...RUNTIMES])(
  "kill -9 of the %s supervisor: within 2 s no worker or worker child is alive, the port is free, the run dir is gone",
  async (runtime) => {
    const s = await serve(runtime, "examples/iris");
    const workers = s.descendants();
    expect(workers.length).toBeGreaterThanOrEqual(4);
    const runDir = (runDirOf(s.output()) ?? runDirOfWorkers(workers))!;
    expect(existsSync(runDir)).toBe(true);
    process.kill(s.pid, "SIGKILL");
    const took = await within(
      2_000,
      async () => workers.every((pid) => !alive(pid)) && !existsSync(runDir) && (await refused(s.port)),
    );
    console.log(`${runtime}: everything gone ${took?.toFixed(0)} ms after the supervisor's SIGKILL`);
    expect(workers.filter(alive)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
    expect(await refused(s.port)).toBe(true);
  },
  60_000,
);

test("children that left the worker's process group (setsid, detached) stop with the service", async () => {
  const s = await serve("node", "test/_fixtures/escape-service");
  const instance = instanceOf(s.pid);
  expect(await within(20_000, () => processesWith(/^sleep 30[012]$/, instance).length === 3)).toBeDefined();
  const escapees = processesWith(/^sleep 30[012]$/, instance);
  expect(await s.stop("SIGTERM")).toBe(0);
  expect(escapees.filter(alive)).toEqual([]);
  expect(s.output()).toContain("outside their process group are still running: sending SIGTERM");
}, 60_000);

test("...and with a supervisor killed by SIGKILL", async () => {
  const s = await serve("node", "test/_fixtures/escape-service");
  const instance = instanceOf(s.pid);
  expect(await within(20_000, () => processesWith(/^sleep 30[012]$/, instance).length === 3)).toBeDefined();
  const escapees = processesWith(/^sleep 30[012]$/, instance);
  process.kill(s.pid, "SIGKILL");
  expect(await within(3_000, () => escapees.every((pid) => !alive(pid)))).toBeDefined();
}, 60_000);
