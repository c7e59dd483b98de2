import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { alive, cleanup, CLEANUP_MS, post, run, serve, serviceTestMs, sleep } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const BODY = "[[5.9,3.0,5.1,1.8]]";

/**
 * Worker pids by `[pool:id]`, from the workers' own ready lines (the latest
 * wins). The id in the prefix is the pool's; the id in the text is the
 * worker's own `BENTO_WORKER_ID` (getWorkerId()): they must agree, for
 * replacements too.
 */
function workersFrom(output: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const m of output.matchAll(/\[([a-z_:]+):(\d+)\] iris (?:api|runner) worker (\d+) \(pid (\d+)\) ready/g)) {
    if (m[2] !== m[3]) throw new Error(`worker [${m[1]}:${m[2]}] has BENTO_WORKER_ID ${m[3]}`);
    map.set(`${m[1]}:${m[2]}`, Number(m[4]));
  }
  return map;
}

test(
  "kill -9 of an API worker and a runner worker under load: same ids back (prefix and BENTO_WORKER_ID), only in-flight requests fail",
  async () => {
    // Baseline: how long this machine, right now, takes to start the service
    // (the start line comes once all four workers are ready).
    const startedAt = performance.now();
    const s = await serve("node", "examples/iris");
    const startupMs = performance.now() - startedAt;
    // A worker prints its ready line after it has told the supervisor so: the start line may come first.
    await s.waitForOutput(/(?:iris (?:api|runner) worker \d+ \(pid \d+\) ready[^]*){4}/);
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
    while (results.length < 30) await sleep(20);
    const killedAt = performance.now();
    process.kill(before.get("api_server:1")!, "SIGKILL");
    process.kill(before.get("runner:iris:2")!, "SIGKILL");

    // Both pools are back to full size with the same worker ids, ready to serve.
    const deadline = Date.now() + 30_000;
    let after = workersFrom(s.output());
    while (
      Date.now() < deadline &&
      (after.get("api_server:1") === before.get("api_server:1") ||
        after.get("runner:iris:2") === before.get("runner:iris:2"))
    ) {
      await sleep(20);
      after = workersFrom(s.output());
    }
    const backAfterMs = performance.now() - killedAt;
    expect(after.get("api_server:1")).not.toBe(before.get("api_server:1"));
    expect(after.get("runner:iris:2")).not.toBe(before.get("runner:iris:2"));
    expect(alive(after.get("api_server:1")!) && alive(after.get("runner:iris:2")!)).toBe(true);
    // Replaced at once, with no back-off for a first death...
    expect(s.output()).toMatch(
      /\[cli:api_server\] worker 1 \(pid \d+\) killed by SIGKILL after [\d.]+ s; replacing it\n/,
    );
    expect(s.output()).toMatch(
      /\[cli:runner:iris\] worker 2 \(pid \d+\) killed by SIGKILL after [\d.]+ s; replacing it\n/,
    );
    // ...and ready about as fast as the first start-up on this machine (no 10 s
    // polling as circus does): bounded by the baseline, not by a fixed figure.
    expect(backAfterMs).toBeLessThan(3 * startupMs + 1000);
    const served = results.length;
    while (results.length < served + 30) await sleep(20);
    running = false;
    await Promise.all(clients);

    const failed = results.filter((r) => !r.ok);
    const inFlightAtKill = results.filter((r) => r.start <= killedAt && r.end >= killedAt).length;
    console.log(
      `requests ${results.length}, failed ${failed.length}, in flight at the kill ${inFlightAtKill}, replacements ready after ${
        backAfterMs.toFixed(0)
      } ms (first start-up ${startupMs.toFixed(0)} ms)`,
    );
    // Every failure was a request already in flight when the workers died.
    expect(failed.every((r) => r.start <= killedAt)).toBe(true);
    expect(failed.length).toBeLessThanOrEqual(inFlightAtKill);
    // The replacements answer: requests after the kill went through the new API worker too.
    expect(results.filter((r) => r.start > killedAt + backAfterMs && r.ok).length).toBeGreaterThan(0);
  },
  90_000,
);

test(
  "a respawned worker gets its own id in BENTO_WORKER_ID and {worker_id}, and the log prefix says the same",
  async () => {
    const s = await serve("node", "test/_fixtures/sd-service");
    for (const worker of ["runner:echo:1", "runner:echo:2", "api_server:1", "api_server:2"]) {
      await s.waitForOutput(new RegExp(`\\[${worker}\\] sd worker \\d listening`));
    }
    const info = async () =>
      (await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } })).json() as Promise<
        { pid: number; workerId: string }
      >;
    const byId = new Map<string, number>();
    for (let i = 0; i < 100 && byId.size < 2; i++) {
      for (const x of await Promise.all([info(), info(), info()])) {
        byId.set(x.workerId, x.pid);
      }
    }
    expect([...byId.keys()].sort()).toEqual(["1", "2"]);
    for (const victim of ["1", "2"]) {
      process.kill(byId.get(victim)!, "SIGKILL");
      const line = new RegExp(
        `\\[api_server:${victim}\\] sd worker (\\d) listening(?![\\s\\S]*\\[api_server:${victim}\\] sd worker)`,
      );
      // Wait for the replacement's line (a second one for this prefix).
      const end = Date.now() + 30_000;
      while (
        Date.now() < end &&
        (s.output().match(new RegExp(`\\[api_server:${victim}\\] sd worker \\d listening`, "g")) ?? []).length < 2
      ) await sleep(20);
      expect(s.output().match(line)?.[1]).toBe(victim);
      // And the replacement itself, asked over HTTP, reports the id from its env.
      const seen = new Map<string, number>();
      for (let i = 0; i < 100 && seen.get(victim) === undefined; i++) {
        for (const x of await Promise.all([info(), info(), info()])) {
          if (x.pid !== byId.get(victim)) {
            seen.set(x.workerId, x.pid);
          }
        }
      }
      expect(seen.get(victim)).toBeDefined();
      expect([...seen.keys()].every((id) => id === "1" || id === "2")).toBe(true);
      byId.set(victim, seen.get(victim)!);
    }
  },
  60_000,
);

test(
  "a crash-looping pool backs off, gives up, and serve exits 1 naming pool, command, status and stderr",
  async () => {
    const s = run("node", ["serve", "test/_fixtures/crash-service", "--port", "0"]);
    const code = await s.exited;
    expect(code).toBe(1);
    const out = s.output();
    expect(out).toMatch(
      /Pool runner:broken gave up: worker 1 \(pid \d+\) exit code 4 after [\d.]+ s, 6 times in a row soon after starting/,
    );
    expect(out).toContain("command: node -e console.error('model file missing: /models/x.bin'); process.exit(4)");
    expect(out).toContain("last stderr lines:\n    [runner:broken:1] model file missing: /models/x.bin");
    expect(out).toMatch(/replacing it in \d+ ms/);
    expect(out).toMatch(/exit code 4 after [\d.]+ s; replacing it\n/);
    expect(await s.leftovers()).toEqual([]);
  },
  30_000,
);

test(
  "with BENTO_CONTAINERIZED a dead worker is not replaced and a pool that loses its last worker stops serve with exit 1",
  async () => {
    const s = await serve("node", "test/_fixtures/sd-service", ["--api-workers", "1"], { BENTO_CONTAINERIZED: "true" });
    const workers = await s.waitForOutput(/\[api_server:1\] sd worker 1 listening/);
    expect(workers).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } });
    const { pid } = (await res.json()) as { pid: number };
    process.kill(pid, "SIGKILL");
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(
      /Pool api_server lost its last worker: worker 1 \(pid \d+\) killed by SIGKILL .* respawn is off \(BENTO_CONTAINERIZED\)/,
    );
  },
  30_000,
);

test("the give-up report ends with the dead worker's very last stderr line, even after a flood of output", async () => {
  const s = run("node", ["serve", "test/_fixtures/noisy-crash-service", "--port", "0"]);
  expect(await s.exited).toBe(1);
  expect(s.output()).toMatch(
    /last stderr lines:\n( {4}\[api_server:1\] noise line \d+\n){19} {4}\[api_server:1\] Traceback: FINAL LINE, the real reason\n/,
  );
}, 60_000);
