/**
 * Readiness end to end: the start line waits for every worker to be ready,
 * a pool's `ready.log` line counts, and a worker that never gets ready is
 * reported by name (and serve still stops cleanly).
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, run, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const dirs: string[] = [];
afterEach(async () => {
  await cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, CLEANUP_MS);

function service(api: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "readiness-"));
  dirs.push(dir);
  writeFileSync(join(dir, "bento.config.json"), JSON.stringify({ name: "ready_test", api }));
  return dir;
}

test("the start line comes only once the worker printed its ready.log line", async () => {
  const svc = service({
    command: ["sh", "-c", "sleep 1; echo warming; sleep 1; echo up; exec sleep 60"],
    workers: 1,
    ready: { log: "^up$" },
  });
  const s = run("node", ["serve", svc, "--port", "0", "--host", "127.0.0.1"]);
  expect(await s.waitForOutput(/Starting production HTTP BentoServer/, 30_000)).toBeDefined();
  const out = s.output();
  expect(out.indexOf("[api_server:1] up")).toBeGreaterThan(-1);
  expect(out.indexOf("[api_server:1] up")).toBeLessThan(out.indexOf("Starting production"));
  expect(await s.stop("SIGTERM")).toBe(0);
}, 40_000);

test(
  "a worker that never gets ready is reported by name after ready.timeout; no start line; SIGTERM still stops",
  async () => {
    const svc = service({
      command: ["sh", "-c", "echo booting; exec sleep 60"],
      workers: 2,
      ready: { log: "never printed", timeout: 1 },
    });
    const s = run("node", ["serve", svc, "--port", "0", "--host", "127.0.0.1"]);
    const late = await s.waitForOutput(
      /worker 2 \(pid \d+\) is not ready 1 s after it started: it should write READY=1 to the fd in BENTO_READY_FD/,
      30_000,
    );
    expect(late).toBeDefined();
    expect(s.output()).toMatch(/\[cli:api_server\] worker 1 \(pid \d+\) is not ready 1 s after it started/);
    expect(s.output()).not.toContain("Starting production");
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await s.leftovers()).toEqual([]);
  },
  40_000,
);
