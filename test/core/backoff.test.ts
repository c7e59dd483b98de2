import { expect, test } from "bun:test";
import { DEFAULT_BACKOFF, decideRespawn } from "../../mod.ts";

test("a worker that ran long is replaced at once and its count resets", () => {
  expect(decideRespawn(DEFAULT_BACKOFF, 4, 60_000, 0.5)).toEqual({ action: "respawn", delayMs: 0, quickFailures: 0 });
});

test("quick deaths back off exponentially, capped and jittered, then give up", () => {
  const policy = { ...DEFAULT_BACKOFF, baseMs: 100, capMs: 1000, jitter: 0.2, maxRetries: 6 };
  const delays = [0, 1, 2, 3, 4, 5].map((n) => decideRespawn(policy, n, 10, 0.5));
  expect(delays.map((d) => (d.action === "respawn" ? d.delayMs : -1))).toEqual([0, 100, 200, 400, 800, 1000]);
  expect(decideRespawn(policy, 6, 10, 0.5)).toEqual({ action: "give-up", quickFailures: 7 });
  const low = decideRespawn(policy, 1, 10, 0);
  const high = decideRespawn(policy, 1, 10, 0.999);
  expect(low.action === "respawn" && low.delayMs).toBe(80);
  expect(high.action === "respawn" && high.delayMs).toBe(120);
});
