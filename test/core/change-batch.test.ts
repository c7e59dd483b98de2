/** The reload debounce against a manual clock: a burst is one batch; what comes during a reload is the next. */
import { expect, test } from "bun:test";
import { createChangeBatch } from "../../src/core/change-batch.ts";
import type { Clock } from "../../src/core/ports.ts";

function manualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    random: () => 0.5,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return { cancel: () => void (timers = timers.filter((t) => t !== timer)) };
    },
  };
  async function advance(ms: number) {
    const end = now + ms;
    for (;;) {
      const next = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      timers = timers.filter((t) => t !== next);
      now = next.at;
      next.fn();
      await Promise.resolve();
    }
    now = end;
  }
  return { clock, advance };
}

test("changes closer together than quietMs are one batch, each path once, sorted", async () => {
  const { clock, advance } = manualClock();
  const batches: string[][] = [];
  const batch = createChangeBatch(
    clock,
    { quietMs: 100, maxWaitMs: 1000 },
    (p) => (batches.push([...p]), Promise.resolve()),
  );
  for (let i = 9; i >= 0; i--) {
    batch.add([`f${i}.ts`, "f0.ts"]);
    await advance(20);
  }
  expect(batches).toEqual([]);
  await advance(100);
  expect(batches).toEqual([Array.from({ length: 10 }, (_, i) => `f${i}.ts`)]);
});

test("a stream of changes is cut after maxWaitMs", async () => {
  const { clock, advance } = manualClock();
  const batches: string[][] = [];
  const batch = createChangeBatch(
    clock,
    { quietMs: 100, maxWaitMs: 300 },
    (p) => (batches.push([...p]), Promise.resolve()),
  );
  for (let i = 0; i < 10; i++) {
    batch.add([`f${i}`]);
    await advance(50);
  }
  expect(batches.length).toBeGreaterThanOrEqual(1);
  expect(batches[0]).toContain("f0");
  expect(batches[0]).not.toContain("f9");
});

test("changes made while a batch is handled wait for it, then come as the next batch", async () => {
  const { clock, advance } = manualClock();
  const batches: string[][] = [];
  let finish!: () => void;
  const batch = createChangeBatch(clock, { quietMs: 100, maxWaitMs: 1000 }, (p) => {
    batches.push([...p]);
    return new Promise<void>((r) => (finish = r));
  });
  batch.add(["a"]);
  await advance(100);
  batch.add(["b"]);
  batch.add(["c"]);
  await advance(500);
  expect(batches).toEqual([["a"]]);
  finish();
  await Promise.resolve();
  await Promise.resolve();
  await advance(100);
  expect(batches).toEqual([["a"], ["b", "c"]]);
  batch.close();
  batch.add(["d"]);
  finish();
  await advance(1000);
  expect(batches.length).toBe(2);
});
