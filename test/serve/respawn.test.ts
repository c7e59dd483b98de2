import { afterEach, expect, test } from "bun:test";
import { alive, cleanup, post, run, serve, sleep } from "../_helpers/serve-process.ts";

afterEach(cleanup);

const BODY = "[[5.9,3.0,5.1,1.8]]";

/** Worker pids by `[pool:id]`, from the workers' own ready lines (the latest wins). */
function workersFrom(output: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const m of output.matchAll(/\[([a-z_:]+:\d+)\] iris (?:api|runner) worker \d+ \(pid (\d+)\) ready/g)) map.set(m[1]!, Number(m[2]));
  return map;
}

test("kill -9 of an API worker and a runner worker under load: same ids back, only in-flight requests fail", async () => {
  const s = await serve("node", "examples/iris");
  for (const worker of ["runner:iris:1", "runner:iris:2", "api_server:1", "api_server:2"]) {
    await s.waitForOutput(new RegExp(`\\[${worker}\\].*ready`));
  }
  const before = workersFrom(s.output());
  expect([...before.keys()].sort()).toEqual(["api_server:1", "api_server:2", "runner:iris:1", "runner:iris:2"]);

  const results: { start: number; end: number; ok: boolean }[] = [];
  let running = true;
  const client = async () => {
    for (let i = 0; running && i < 5000; i++) {
      const start = performance.now();
      const ok = await post(s.port, "/classify", BODY).then((r) => r.status === 200 && r.body === "[2]", () => false);
      results.push({ start, end: performance.now(), ok });
    }
  };
  const clients = Array.from({ length: 3 }, client);
  await sleep(1000);
  const killedAt = performance.now();
  process.kill(before.get("api_server:1")!, "SIGKILL");
  process.kill(before.get("runner:iris:2")!, "SIGKILL");

  // Both pools are back to full size with the same worker ids, ready to serve.
  const deadline = Date.now() + 10_000;
  let after = workersFrom(s.output());
  while (Date.now() < deadline && (after.get("api_server:1") === before.get("api_server:1") || after.get("runner:iris:2") === before.get("runner:iris:2"))) {
    await sleep(20);
    after = workersFrom(s.output());
  }
  const backAfterMs = performance.now() - killedAt;
  expect(after.get("api_server:1")).not.toBe(before.get("api_server:1"));
  expect(after.get("runner:iris:2")).not.toBe(before.get("runner:iris:2"));
  expect(alive(after.get("api_server:1")!) && alive(after.get("runner:iris:2")!)).toBe(true);
  // The bar: both pools back to full size, the replacements ready to serve, within 1 s.
  expect(backAfterMs).toBeLessThan(1000);
  await sleep(1000);
  running = false;
  await Promise.all(clients);

  const failed = results.filter((r) => !r.ok);
  const inFlightAtKill = results.filter((r) => r.start <= killedAt && r.end >= killedAt).length;
  console.log(`requests ${results.length}, failed ${failed.length}, in flight at the kill ${inFlightAtKill}, replacements ready after ${backAfterMs.toFixed(0)} ms`);
  expect(results.length).toBeGreaterThan(50);
  // Every failure was a request already in flight when the workers died.
  expect(failed.every((r) => r.start <= killedAt)).toBe(true);
  expect(failed.length).toBeLessThanOrEqual(inFlightAtKill);
  expect(s.output()).toMatch(/\[cli:api_server\] worker 1 \(pid \d+\) killed by SIGKILL after [\d.]+ s; replacing it/);
}, 60_000);

test("a crash-looping pool backs off, gives up, and serve exits 1 naming pool, command, status and stderr", async () => {
  const s = run("node", ["serve", "test/_fixtures/crash-service", "--port", "0"]);
  const code = await s.exited;
  expect(code).toBe(1);
  const out = s.output();
  expect(out).toMatch(/Pool runner:broken gave up: worker 1 \(pid \d+\) exit code 4 after [\d.]+ s, 6 times in a row soon after starting/);
  expect(out).toContain("command: node -e console.error('model file missing: /models/x.bin'); process.exit(4)");
  expect(out).toContain("last stderr lines:\n    [runner:broken:1] model file missing: /models/x.bin");
  expect(out).toMatch(/replacing it in \d+ ms/);
  expect(out).toMatch(/exit code 4 after [\d.]+ s; replacing it\n/);
  expect(s.descendants()).toEqual([]);
}, 30_000);

test("with BENTO_CONTAINERIZED a dead worker is not replaced and a pool that loses its last worker stops serve with exit 1", async () => {
  const s = await serve("node", "test/_fixtures/sd-service", ["--api-workers", "1"], { BENTO_CONTAINERIZED: "true" });
  const workers = await s.waitForOutput(/\[api_server:1\] sd worker 1 listening/);
  expect(workers).toBeDefined();
  const res = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } });
  const { pid } = (await res.json()) as { pid: number };
  process.kill(pid, "SIGKILL");
  expect(await s.exited).toBe(1);
  expect(s.output()).toMatch(/Pool api_server lost its last worker: worker 1 \(pid \d+\) killed by SIGKILL .* respawn is off \(BENTO_CONTAINERIZED\)/);
}, 30_000);

test("the give-up report ends with the dead worker's very last stderr line, even after a flood of output", async () => {
  const s = run("node", ["serve", "test/_fixtures/noisy-crash-service", "--port", "0"]);
  expect(await s.exited).toBe(1);
  expect(s.output()).toMatch(/last stderr lines:\n(    \[api_server:1\] noise line \d+\n){19}    \[api_server:1\] Traceback: FINAL LINE, the real reason\n/);
}, 60_000);
