import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readlinkSync } from "node:fs";
import {
  alive,
  cleanup,
  CLEANUP_MS,
  existsSync,
  post,
  runDirOf,
  runDirOfWorkers,
  RUNTIMES,
  serve,
  serviceTestMs,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const BODY = "[[5.9,3.0,5.1,1.8]]";

describe.each(RUNTIMES)("serve examples/iris with the supervisor (and its workers) on %s", (runtime) => {
  test("answers [2] from both API workers, then SIGTERM leaves nothing behind", async () => {
    const s = await serve(runtime, "examples/iris");
    for (const worker of ["api_server:1", "api_server:2", "runner:iris:1", "runner:iris:2"]) {
      await s.waitForOutput(new RegExp(`\\[${worker}\\].*ready`));
    }
    const pids = new Set<string>();
    for (let round = 0; round < 50 && pids.size < 2; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(s.port, "/classify", BODY)));
      for (const a of answers) {
        expect(a).toMatchObject({ status: 200, body: "[2]" });
        pids.add(a.pid!);
      }
    }
    expect(pids.size).toBe(2);
    // The workers run on the supervisor's runtime (their executable, as /proc shows it).
    for (const pid of pids) expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(new RegExp(`${runtime}[^/]*$`));
    const workers = s.descendants();
    expect(workers.length).toBeGreaterThanOrEqual(4);
    const runDir = runDirOf(s.output()) ?? runDirOfWorkers(workers);
    expect(runDir && existsSync(runDir)).toBe(true);

    expect(await s.stop("SIGTERM")).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    expect(existsSync(runDir!)).toBe(false);
    expect(s.output()).toContain("Stopped: every worker is gone");
  }, 60_000);
});

test("--no-unix-sockets connects runners over loopback TCP held by the supervisor", async () => {
  const s = await serve("node", "examples/iris", ["--no-unix-sockets"]);
  const a = await post(s.port, "/classify", BODY);
  expect(a).toMatchObject({ status: 200, body: "[2]" });
  expect(s.output()).toMatch(/runners \{"iris":"tcp:\/\/127\.0\.0\.1:\d+"\}/);
}, 30_000);

test("an IPv6 --host is bound and logged in brackets", async () => {
  const s = await serve("node", "test/_fixtures/sd-service", ["--host", "::1"]);
  expect(s.output()).toMatch(/listening on http:\/\/\[::1\]:\d+ \(Press CTRL\+C to quit\)/);
  const res = await fetch(`http://[::1]:${s.port}/`, { headers: { connection: "close" } });
  expect(res.status).toBe(200);
  const workers = s.descendants();
  expect(await s.stop("SIGTERM")).toBe(0);
  expect(workers.filter(alive)).toEqual([]);
}, 30_000);
