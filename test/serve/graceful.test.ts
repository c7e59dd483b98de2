/**
 * A graceful stop as a user sees it: a request in flight when the stop begins
 * is answered, the worker logs its drain, and the runners stop after the API
 * workers (as soon as they are gone, or halfway through the time left).
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

test(
  "a request in flight when serve gets SIGTERM is answered; the worker logs its drain; runners stop after the API",
  async () => {
    // Halfway through 240 s is past this test's own timeout: a stop that waited for it fails the test.
    const s = await serve("node", "test/_fixtures/drain-service", ["--timeout-graceful-shutdown", "240"]);
    await s.waitForOutput(/\[api_server:1\] drain worker 1 \(pid \d+\) ready/);
    await s.waitForOutput(/\[runner:r:1\] runner ready/);
    const answer = fetch(`http://127.0.0.1:${s.port}/slow`).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    expect(await s.waitForOutput(/slow request in flight on worker 1/)).toBeDefined();
    s.child.kill("SIGTERM");
    // The answer comes only once the worker got SIGTERM (a stop without SIGTERM
    // would leave it hanging until the SIGKILL at the deadline, which fails it).
    expect(await answer).toEqual({ status: 200, body: "finished after SIGTERM" });
    expect(await s.exited).toBe(0);
    const out = s.output();
    expect(out).toMatch(
      /\[api_server:1\] worker \d+: SIGTERM received, finishing 1 in-flight request\(s\) \(at most 240s\)/,
    );
    // The runner got its SIGTERM after the API worker drained and exited, without waiting for halfway (120 s).
    const drained = out.search(/\[api_server:1\] drain worker 1 exiting \(0\)/);
    expect(drained).toBeGreaterThan(-1);
    const runnerTerm = out.search(/\[runner:r:1\] runner got TERM/);
    expect(runnerTerm).toBeGreaterThan(drained);
    expect(out).not.toContain("still running after the graceful timeout");
    expect(out).toContain("Stopped: every worker is gone");
  },
  60_000,
);

test("runners get SIGTERM halfway through the graceful timeout when an API worker will not stop", async () => {
  const s = await serve("node", "test/_fixtures/halfway-service", ["--timeout-graceful-shutdown", "6"]);
  await s.waitForOutput(/\[api_server:1\] api ready/);
  await s.waitForOutput(/\[runner:r:1\] runner ready/);
  const t0 = Date.now();
  s.child.kill("SIGTERM");
  const term = await s.waitForOutput(/\[runner:r:1\] runner got TERM/, 30_000);
  const runnerAt = Date.now() - t0;
  expect(term).toBeDefined();
  expect(await s.exited).toBe(0);
  const out = s.output();
  // Not before halfway (3 s; a lower bound holds on any machine)...
  expect(runnerAt).toBeGreaterThanOrEqual(2_800);
  // ...and before the deadline: the runner's line comes before the SIGKILL for the stubborn API worker.
  const killLine = out.indexOf("workers still running after the graceful timeout: sending SIGKILL");
  expect(killLine).toBeGreaterThan(-1);
  expect(out.search(/\[runner:r:1\] runner got TERM/)).toBeLessThan(killLine);
}, 60_000);
