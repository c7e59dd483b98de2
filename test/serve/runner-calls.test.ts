// The runner client inside a real service (test/_fixtures/runner-calls-service:
// one API worker, two runner workers): a request that crashes a runner worker
// runs once, long timeouts wait, and sequential calls reach every runner worker.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, serve, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const SERVICE = "test/_fixtures/runner-calls-service";
const dirs: string[] = [];

afterEach(async () => {
  await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}, CLEANUP_MS);

async function start(args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const s = await serve("node", SERVICE, args, env);
  await until(() => count(s, /\] (runner|api) \d+ ready/g) >= 3, "every worker's ready line", s);
  return s;
}

function count(s: Served, pattern: RegExp): number {
  return (s.output().match(pattern) ?? []).length;
}

async function until(check: () => boolean, what: string, s: Served, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}:\n${s.output()}`);
    await Bun.sleep(20);
  }
}

async function callRunner(s: Served, path: string): Promise<{ value?: { pid: number }; error?: string }> {
  const res = await fetch(`http://127.0.0.1:${s.port}/call?path=${encodeURIComponent(path)}`, { method: "POST" });
  return (await res.json()) as { value?: { pid: number }; error?: string };
}

test("a request that crashes a runner worker reaches one worker only, and runs once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bento-crash-"));
  dirs.push(dir);
  const log = join(dir, "crash.log");
  const s = await start([], { CRASH_LOG: log });
  for (let i = 0; i < 10; i++) expect((await callRunner(s, "/pid")).value?.pid).toBeNumber(); // kept-alive connections
  expect(await callRunner(s, "/crash")).toMatchObject({ error: "RunnerUnavailable" });
  expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  await until(() => count(s, /\] runner \d+ ready/g) >= 3, "the crashed worker's replacement", s);
  expect(count(s, /\[cli:runner:model\] worker \d \(pid \d+\) .*replacing it/g)).toBe(1);
  expect((await callRunner(s, "/pid")).value?.pid).toBeNumber(); // the service still answers
}, 40_000);

test(
  "--timeout and --timeout-graceful-shutdown of 3000000 s wait (timers past 2^31-1 ms do not fire at once)",
  async () => {
    const s = await start(["--timeout", "3000000", "--timeout-graceful-shutdown", "3000000"]);
    expect((await callRunner(s, "/sleep?ms=1200")).value?.pid).toBeNumber();
    const inFlight = callRunner(s, "/sleep?ms=1500");
    await Bun.sleep(300);
    s.child.kill("SIGTERM"); // a graceful stop drains the request in flight
    expect((await inFlight).value?.pid).toBeNumber();
    expect(await s.exited).toBe(0);
    expect(s.output()).not.toContain("sending SIGKILL");
  },
  40_000,
);

test("sequential runner calls reach every runner worker, and share the calls once each is known", async () => {
  const s = await start();
  const runnerPids = [...s.output().matchAll(/\] runner (\d+) ready/g)].map((m) => Number(m[1])).sort();
  // 256 calls, so that the client looks for workers three times (at calls 0, 64 and 192): the runners share one
  // socket, and on a loaded machine one look's 32 new connections can all reach the worker that happened to be
  // awake (a fresh-clone CI run saw one runner in 100 calls, two looks), as in test/worker/runtimes.test.ts.
  const res = await fetch(`http://127.0.0.1:${s.port}/spread?n=256`, { method: "POST" });
  const { pids } = (await res.json()) as { pids: number[] };
  expect([...new Set(pids)].sort()).toEqual(runnerPids);
  // Finding the second worker takes new connections until one reaches it (up to 32 in a row: the accepting worker
  // is the one just awake, more so on a loaded machine); from then on each call goes to the worker called longest ago.
  const known = Math.max(...runnerPids.map((pid) => pids.indexOf(pid)));
  const after = pids.slice(known + 1);
  for (const pid of runnerPids) {
    expect(after.filter((p) => p === pid).length).toBeGreaterThanOrEqual(Math.floor(after.length / 3));
  }
}, 40_000);
