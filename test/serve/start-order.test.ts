// Start order (issue 20 item 5): the API pool starts once the runner pools are
// ready, on every supervisor runtime, so an API worker's first runner call
// finds its runner listening (no RunnerUnavailable, no 503 at start-up).
// test/_fixtures/start-order-service: the runner is not ready until the test
// sends it SIGUSR1; meanwhile no API worker may have been started.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cmdline } from "../_helpers/procs.ts";
import { cleanup, CLEANUP_MS, readyMsFor, run, RUNTIMES, serviceTestMs } from "../_helpers/serve-process.ts";

const SERVICE = "test/_fixtures/start-order-service";

setDefaultTimeout(serviceTestMs());
afterEach(cleanup, CLEANUP_MS);

test.each([...RUNTIMES])("supervisor on %s: the API worker starts once the runner is ready", async (rt) => {
  const s = run(rt, ["serve", SERVICE, "--port", "0", "--host", "127.0.0.1"]);
  const waiting = await s.waitForOutput(/\[runner:model:1\] runner (\d+) waiting/, readyMsFor(2));
  expect(waiting, s.output()).toBeDefined();
  // The runner has started and is not ready: nothing runs the API's module yet.
  const api = s.descendants().filter((pid) => cmdline(pid).includes("start-order-service/api.ts"));
  expect(api).toEqual([]);
  process.kill(Number(waiting![1]), "SIGUSR1");
  const first = await s.waitForOutput(/\[api_server:1\] api \d+ first runner call: (\S+)/, readyMsFor(2));
  expect(first?.[1], s.output()).toBe("ok");
  expect(await s.waitForOutput(/listening on http:\/\/\S+:\d+/, readyMsFor(2))).toBeDefined();
  expect(await s.stop("SIGTERM")).toBe(0);
});

test("a runner pool that gives up while the API waits for it stops the start: exit 1 naming the pool, no API worker", async () => {
  const s = run("node", ["serve", SERVICE, "--port", "0", "--host", "127.0.0.1"], { BENTO_TEST_CRASH: "1" });
  expect(await s.exited).toBe(1);
  expect(s.output()).toMatch(/Pool runner:model gave up/);
  expect(s.output()).not.toContain("first runner call");
  expect(await s.leftovers()).toEqual([]);
});
