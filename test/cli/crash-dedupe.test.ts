import { expect, test } from "bun:test";
import { createCrashDedupe } from "../../src/cli/terminal/_crash-dedupe.ts";
import { createWorkerOutput } from "../../src/cli/terminal/_worker-output.ts";

function harness(holdMs = 2000) {
  const printed: string[] = [];
  const d = createCrashDedupe({
    line: (stream, from) => printed.push(`${from.pid} ${stream} ${from.text}`),
    note: (who, message) => printed.push(`${who.pid} note ${message}`),
  }, { holdMs });
  const run = (pid: number, lines: string[], now: number, exit = true) => {
    for (const text of lines) d.line("stderr", { pool: "runner:py", workerId: 1, pid, text }, now);
    if (exit) d.exited({ pool: "runner:py", workerId: 1, pid }, now);
  };
  return { d, printed, run };
}

const TRACE = [
  "Traceback (most recent call last):",
  '  File "runner.py", line 3',
  "ImportError: no module named torch",
];

test("a crash loop's traceback is printed once, then one line per identical start with a count", () => {
  const { printed, run } = harness();
  run(10, TRACE, 0);
  run(11, TRACE, 300);
  run(12, TRACE, 900);
  run(13, TRACE, 2000);
  expect(printed).toEqual([
    ...TRACE.map((t) => `10 stderr ${t}`),
    "11 note (same 3 lines as the previous start, not shown again; once)",
    "12 note (same 3 lines as the previous start, not shown again; 2 times in a row)",
    "13 note (same 3 lines as the previous start, not shown again; 3 times in a row)",
  ]);
});

test("a start that differs is printed whole (held lines first), and the count starts again", () => {
  const { printed, run } = harness();
  run(10, TRACE, 0);
  run(11, TRACE, 100);
  run(12, [...TRACE.slice(0, 2), "ImportError: no module named numpy"], 200);
  run(13, [...TRACE.slice(0, 2), "ImportError: no module named numpy"], 300);
  expect(printed.slice(4)).toEqual([
    "12 stderr Traceback (most recent call last):",
    '12 stderr   File "runner.py", line 3',
    "12 stderr ImportError: no module named numpy",
    "13 note (same 3 lines as the previous start, not shown again; once)",
  ]);
});

test("fewer lines than the previous start, or more, are printed", () => {
  const { printed, run } = harness();
  run(10, TRACE, 0);
  run(11, TRACE.slice(0, 2), 100);
  run(12, [...TRACE.slice(0, 2), TRACE[2]!, "extra"], 200);
  expect(printed.filter((l) => l.startsWith("11 "))).toHaveLength(2);
  expect(printed.filter((l) => l.startsWith("12 "))).toHaveLength(4);
  expect(printed.some((l) => l.includes("note"))).toBe(false);
});

test("a worker that starts like the previous one and keeps running is shown after holdMs", () => {
  const { d, printed, run } = harness(2000);
  run(10, ["loading model", "ready"], 0);
  expect(d.holding()).toBe(false);
  run(11, ["loading model"], 5000, false);
  expect(d.holding()).toBe(true);
  d.tick(6000);
  expect(printed).toHaveLength(2);
  d.tick(7000);
  expect(printed).toEqual(["10 stderr loading model", "10 stderr ready", "11 stderr loading model"]);
  expect(d.holding()).toBe(false);
  run(11, ["ready", "serving"], 8000, false);
  expect(printed.slice(3)).toEqual(["11 stderr ready", "11 stderr serving"]);
});

test("at the end of a run, held lines of a live process are settled", () => {
  const { d, printed, run } = harness();
  run(10, TRACE, 0);
  run(11, TRACE.slice(0, 1), 100, false);
  d.flush(200);
  expect(printed.at(-1)).toBe("11 stderr Traceback (most recent call last):");
});

test("issue 19 item 15: in a rolling restart the new worker's start-up lines are printed while the old one prints its last", () => {
  const { printed, d } = harness();
  const line = (pid: number, text: string, now: number) =>
    d.line("stderr", { pool: "runner:py", workerId: 1, pid, text }, now);
  const START = ["loading model", "listening"];
  START.forEach((t) => line(10, t, 0));
  // The replacement starts while the old process still runs, then the old one says goodbye and exits.
  START.forEach((t) => line(11, t, 100));
  line(10, "shutting down", 200);
  d.exited({ pool: "runner:py", workerId: 1, pid: 10 }, 210);
  d.tick(5_000);
  expect(printed).toEqual([
    "10 stderr loading model",
    "10 stderr listening",
    "11 stderr loading model",
    "11 stderr listening",
    "10 stderr shutting down",
  ]);
});

test("the worker output shows a held line after holdMs in real time: its timer is armed by the held line", async () => {
  const out: string[] = [];
  const o = createWorkerOutput((_stream, line) => out.push(line), { holdMs: 100 });
  const from = (pid: number, text: string) => ({ pool: "api_server", workerId: 1, pid, text });
  o.line("stdout", "", from(10, "loading"));
  o.event({ type: "exit", exit: { pool: "api_server", workerId: 1, pid: 10 } } as never);
  o.line("stdout", "", from(11, "loading"));
  expect(out).toHaveLength(1);
  const end = Date.now() + 5000;
  while (out.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(out).toHaveLength(2);
  expect(out[1]).toContain("loading");
  o.flush();
});
