/**
 * The admin API's worker memory and CPU (src/launch/_stats-cache.ts): a request
 * reads /proc only for a worker it has never seen; the refresh reads the
 * oldest slice again, off the request path; a worker nobody asks about goes.
 */
import { expect, test } from "bun:test";
import { cachedStats } from "../../src/launch/_stats-cache.ts";

test("a request reads only new workers; each refresh step reads a quarter of the stale ones, oldest first", () => {
  let now = 0;
  const reads: number[] = [];
  const cache = cachedStats(
    (pid) => (reads.push(pid), { rssBytes: pid * 1000 + now, cpuSeconds: now / 1000 }),
    1000,
    () => now,
  );
  try {
    for (let pid = 1; pid <= 8; pid++) expect(cache.stats(pid)?.rssBytes).toBe(pid * 1000);
    expect(reads).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    now = 999;
    cache.refresh(); // nothing stale yet
    expect(cache.stats(1)?.rssBytes).toBe(1000);
    expect(reads).toHaveLength(8);
    now = 1000;
    expect(cache.stats(1)?.rssBytes).toBe(1000); // stale, yet the request does not read it
    expect(reads).toHaveLength(8);
    cache.refresh();
    expect(reads.slice(8)).toEqual([1, 2]); // 8 workers / 4 slices, the oldest first
    expect(cache.stats(1)?.rssBytes).toBe(2000);
    cache.refresh();
    cache.refresh();
    cache.refresh();
    expect(reads.slice(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    cache.close();
  }
});

test("a worker nobody asked about for 10 s is dropped; asked again, it is read again", () => {
  let now = 0;
  const reads: number[] = [];
  const cache = cachedStats((pid) => (reads.push(pid), { rssBytes: now, cpuSeconds: 0 }), 1000, () => now);
  try {
    cache.stats(1);
    cache.stats(2);
    for (now = 250; now <= 10_500; now += 250) {
      cache.stats(1); // 1 is polled, 2 is not
      cache.refresh();
    }
    const before = reads.length;
    expect(cache.stats(2)?.rssBytes).toBe(now); // dropped, so read afresh
    expect(reads.slice(before)).toEqual([2]);
    expect(cache.stats(1)?.rssBytes).toBeGreaterThanOrEqual(9_000); // kept fresh by the refresh
  } finally {
    cache.close();
  }
});
