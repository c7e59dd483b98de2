/** The worker's queue of log lines (src/worker/_log.ts): whole lines out, in order, at most `max` bytes a take. */
import { expect, test } from "bun:test";
import { lineQueue } from "../../src/worker/_log.ts";

test("pushes and takes interleaved: every line comes out whole and in order, a take at most max bytes but one long line", () => {
  const queue = lineQueue();
  const decoder = new TextDecoder();
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const pushed: string[] = [];
  let out = "";
  for (let round = 0; round < 400; round++) {
    for (let i = random(60); i > 0; i--) {
      // Some lines with 2- and 3-byte characters, some longer than a take.
      const line = `line ${pushed.length} ${"é€x".repeat(random(300))}${random(50) === 0 ? "y".repeat(5000) : ""}`;
      expect(queue.push(line)).toBe(true);
      pushed.push(line);
    }
    for (let i = random(40); i > 0 && queue.bytes > 0; i--) {
      const chunk = queue.take(4096);
      const text = decoder.decode(chunk);
      expect(text.endsWith("\n")).toBe(true);
      if (chunk.length > 4096) expect(text.indexOf("\n")).toBe(text.length - 1); // a long line goes alone
      out += text;
    }
  }
  while (queue.bytes > 0) out += decoder.decode(queue.take(4096));
  expect(out).toBe(pushed.map((l) => `${l}\n`).join(""));
});

test("past 1 MiB queued, lines are refused (dropped and counted by the writer)", () => {
  const queue = lineQueue();
  const line = "x".repeat(1000);
  let accepted = 0;
  while (queue.push(line) && accepted < 5000) accepted += 1;
  expect(accepted).toBeGreaterThan(1000);
  expect(accepted).toBeLessThan(1100);
  queue.take(4096);
  expect(queue.push(line)).toBe(true); // room again
});
