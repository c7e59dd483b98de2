// Workers run nicer than the supervisor (issue 20 item 6): --worker-nice /
// BENTO_WORKER_NICE (default 0: the supervisor's), on every supervisor runtime; whatever a worker
// starts inherits it. Read from /proc/<pid>/stat (field 19, nice).
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { cmdline } from "../_helpers/procs.ts";
import { cleanup, CLEANUP_MS, run, type Runtime, serve, serviceTestMs } from "../_helpers/serve-process.ts";

setDefaultTimeout(serviceTestMs());
afterEach(cleanup, CLEANUP_MS);

const SERVICE = "test/_fixtures/nice-service";

function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

const cases: [Runtime, string[], Record<string, string>, number][] = [
  ["node", ["--worker-nice", "7"], {}, 7],
  ["bun", [], { BENTO_WORKER_NICE: "9" }, 9],
  ["deno", ["--worker-nice", "3"], {}, 3],
  ["node", [], {}, 0],
];

test.each(cases)("supervisor on %s %j %j: workers and their children at nice %d", async (rt, args, env, nice) => {
  const s = await serve(rt, SERVICE, args, env);
  const sleeps = () => s.descendants().filter((pid) => /^sleep 30[12]$/.test(cmdline(pid)));
  for (let i = 0; i < 200 && sleeps().length < 2; i++) await Bun.sleep(20);
  const workers = s.descendants().filter((pid) => /sleep 30[12]/.test(cmdline(pid)));
  // The API's sh, the sleep it started, and the runner's sleep.
  expect(workers.length, s.output()).toBe(3);
  expect(workers.map(niceOf)).toEqual([nice, nice, nice]);
  expect(niceOf(s.pid)).toBe(0);
  expect(await s.stop()).toBe(0);
});

test("a niceness out of range is refused in one line naming the option, exit 2", async () => {
  const s = run("node", ["serve", SERVICE, "--worker-nice", "20"]);
  expect(await s.exited).toBe(2);
  expect(s.output().trim().split("\n")).toHaveLength(1);
  expect(s.output()).toMatch(/worker-nice.*from 0 to 19/);
  expect(await s.leftovers()).toEqual([]);
});
