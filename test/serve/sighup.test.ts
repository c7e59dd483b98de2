/**
 * SIGHUP: without a terminal it is a rolling restart of every pool (the
 * service keeps answering); in a terminal that closes it stops everything.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  alive,
  cleanup,
  CLEANUP_MS,
  descendantsOf,
  post,
  ROOT,
  runDirOf,
  serve,
  serviceTestMs,
  sleep,
  supervisorArgv,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const BODY = "[[5.9,3.0,5.1,1.8]]";
const READY = /\[([a-z_:]+:\d+)\] iris (?:api|runner) worker \d+ \(pid (\d+)\) ready/g;

function readyPids(output: string): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const m of output.matchAll(READY)) map.set(m[1]!, [...(map.get(m[1]!) ?? []), Number(m[2])]);
  return map;
}

test("SIGHUP without a terminal replaces every worker, runners first, and the service answers throughout", async () => {
  const s = await serve("node", "examples/iris");
  // The service answers once one worker of each pool is ready: the others' ready lines may still be on their way.
  for (let i = 0; i < 100 && readyPids(s.output()).size < 4; i++) await sleep(50);
  const before = readyPids(s.output());
  expect([...before.keys()].sort()).toEqual(["api_server:1", "api_server:2", "runner:iris:1", "runner:iris:2"]);
  let failures = 0;
  let answered = 0;
  let running = true;
  const client = (async () => {
    for (let i = 0; running && i < 20_000; i++) {
      const r = await post(s.port, "/classify", BODY).catch(() => undefined);
      if (r?.status === 200 && r.body === "[2]") answered++;
      else failures++;
    }
  })();
  s.child.kill("SIGHUP");
  expect(await s.waitForOutput(/SIGHUP reload done/, 60_000)).toBeDefined();
  running = false;
  await client;
  const after = readyPids(s.output());
  for (const [worker, pids] of before) {
    expect(after.get(worker)!.length).toBe(pids.length + 1);
    expect(alive(pids[0]!)).toBe(false);
  }
  const out = s.output();
  expect(out.indexOf("[runner:iris:2] iris runner worker 2")).toBeLessThan(
    out.lastIndexOf("[api_server:1] iris api worker 1"),
  );
  expect(failures).toBe(0);
  expect(answered).toBeGreaterThan(10);
  expect(s.child.exitCode).toBeNull();
  expect(await s.stop("SIGTERM")).toBe(0);
}, 90_000);

test("in a terminal, SIGHUP (the terminal closed) stops everything and removes the run dir", async () => {
  // script(1) gives the supervisor a pseudo-terminal; killing script closes it.
  const argv = [...supervisorArgv("node"), "serve", "examples/iris", "--port", "0", "--host", "127.0.0.1"];
  const term = spawn("script", ["-qfec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  term.stdout!.on("data", (d) => (out += d));
  try {
    const deadline = Date.now() + 30_000;
    while (!/Starting production/.test(out) && Date.now() < deadline) await sleep(50);
    expect(out).toContain("Starting production");
    const processes = descendantsOf(term.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(5);
    const runDir = runDirOf(out);
    expect(runDir && existsSync(runDir)).toBe(true);
    term.kill("SIGKILL"); // the terminal goes away: its session gets SIGHUP
    const end = Date.now() + 20_000;
    while (processes.some(alive) && Date.now() < end) await sleep(50);
    expect(processes.filter(alive)).toEqual([]);
    expect(existsSync(runDir!)).toBe(false);
  } finally {
    for (const pid of descendantsOf(term.pid!)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    term.kill("SIGKILL");
  }
}, 60_000);
