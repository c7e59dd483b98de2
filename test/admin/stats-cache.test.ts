/** The admin API's worker memory and CPU (src/launch/_stats-cache.ts): /proc read at most once a second per worker. */
import { expect, test } from "bun:test";
import { cachedStats } from "../../src/launch/_stats-cache.ts";

test("a worker's stats are read once per TTL, each worker on its own; a gone worker's entry is swept", () => {
  let now = 0;
  const reads: number[] = [];
  const stats = cachedStats(
    (pid) => (reads.push(pid), { rssBytes: pid * 1000 + now, cpuSeconds: now / 1000 }),
    1000,
    () => now,
  );
  expect(stats(1)?.rssBytes).toBe(1000);
  expect(stats(2)?.rssBytes).toBe(2000);
  now = 999;
  expect(stats(1)?.rssBytes).toBe(1000); // still the first read
  expect(reads).toEqual([1, 2]);
  now = 1000;
  expect(stats(1)?.rssBytes).toBe(2000); // read again
  expect(reads).toEqual([1, 2, 1]);
  // Long after, pid 2 is gone: the sweep drops it, and a new read of it goes to /proc again.
  now = 20_000;
  expect(stats(1)?.cpuSeconds).toBe(20);
  expect(stats(2)?.rssBytes).toBe(22_000);
  expect(reads).toEqual([1, 2, 1, 1, 2]);
});
