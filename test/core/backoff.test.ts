import { expect, test } from "bun:test";
import { decideRespawn, DEFAULT_BACKOFF } from "../../mod.ts";

test("a worker that ran long is replaced at once and its count resets", () => {
  expect(decideRespawn(DEFAULT_BACKOFF, { quickFailures: 4, uptimeMs: 60_000, random: 0.5 })).toEqual({
    action: "respawn",
    delayMs: 0,
    quickFailures: 0,
  });
});

test("quick deaths back off exponentially, capped and jittered, then give up", () => {
  const policy = { ...DEFAULT_BACKOFF, baseMs: 100, capMs: 1000, jitter: 0.2, maxRetries: 6 };
  const delays = [0, 1, 2, 3, 4, 5].map((n) => decideRespawn(policy, { quickFailures: n, uptimeMs: 10, random: 0.5 }));
  expect(delays.map((d) => (d.action === "respawn" ? d.delayMs : -1))).toEqual([0, 100, 200, 400, 800, 1000]);
  expect(decideRespawn(policy, { quickFailures: 6, uptimeMs: 10, random: 0.5 })).toEqual({
    action: "give-up",
    quickFailures: 7,
  });
  const low = decideRespawn(policy, { quickFailures: 1, uptimeMs: 10, random: 0 });
  const high = decideRespawn(policy, { quickFailures: 1, uptimeMs: 10, random: 0.999 });
  expect(low.action === "respawn" && low.delayMs).toBe(80);
  expect(high.action === "respawn" && high.delayMs).toBe(120);
});

test("the default policy: a worker must run 30 s to count as stable; retries after 0, 250, 500, 1000, 2000 ms", () => {
  expect(decideRespawn(DEFAULT_BACKOFF, { quickFailures: 0, uptimeMs: 29_000, random: 0.5 })).toEqual({
    action: "respawn",
    delayMs: 0,
    quickFailures: 1,
  });
  const delays = [1, 2, 3, 4].map((n) =>
    decideRespawn(DEFAULT_BACKOFF, { quickFailures: n, uptimeMs: 10_000, random: 0.5 })
  );
  expect(delays.map((d) => (d.action === "respawn" ? d.delayMs : -1))).toEqual([250, 500, 1000, 2000]);
  expect(decideRespawn(DEFAULT_BACKOFF, { quickFailures: 5, uptimeMs: 10_000, random: 0.5 }).action).toBe("give-up");
});
