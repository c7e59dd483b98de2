/**
 * Issue 19 item 8: spawning many workers must leave the event loop its turns.
 * A spawn is synchronous and its promise settles in microtasks, so a loop of
 * 1000 spawns kept signals and the admin API waiting until the last one. The
 * bounds come from the same run: the time one spawn takes, measured while the
 * pool grows (the old behaviour needs about 1000 of them).
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync } from "node:fs";
import { cleanup, CLEANUP_MS, run, RUNTIMES, type Served, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import { readProc } from "../_helpers/procs.ts";
import { newStateDir } from "../admin/_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const SERVICE = "test/_fixtures/sleep-service"; // one API pool of `sleep 100000`, ready at once
const TOKEN = "spawn-yield-token-0123456789";
const MANY = 1000;
/** Workers seen before the clock for one spawn is read. */
const SEEN = 40;
/** How many spawns' time a reply or a stop may take (the starved loop took about MANY - SEEN). */
const FACTOR = 200;

function workerCount(pid: number): number {
  let n = 0;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const p = readProc(Number(e));
    if (p?.ppid === pid && p.state !== "Z") n++;
  }
  return n;
}

/** Wait until the supervisor has `count` workers; the time per spawn since `from`. */
async function spawnTime(s: Served, count: number, from: number): Promise<number> {
  const end = Date.now() + 120_000;
  while (workerCount(s.pid) < count && Date.now() < end && s.child.exitCode === null) await sleep(10);
  expect(workerCount(s.pid)).toBeGreaterThanOrEqual(count);
  return (Date.now() - from) / count;
}

async function stopTime(s: Served, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const sent = Date.now();
  s.child.kill(signal);
  const code = await s.exited;
  return { ms: Date.now() - sent, code };
}

describe.each([...RUNTIMES])("on %s", (runtime) => {
  test("issue 19 item 8: during a scale to 1000 workers /healthz answers and SIGTERM stops the spawning", async () => {
    const s = run(runtime, ["serve", SERVICE, "--port", "0", "--host", "127.0.0.1"], {
      BENTO_ADMIN_TOKEN: TOKEN,
      BENTO_STATE_DIR: newStateDir(),
    });
    const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/, 30_000))?.[1];
    expect(url).toBeDefined();
    const begun = Date.now();
    void fetch(`${url}/v1/pools/api_server/scale`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ workers: MANY }),
    }).catch(() => undefined);
    const perSpawn = await spawnTime(s, SEEN, begun);
    const asked = Date.now();
    const health = await fetch(`${url}/healthz`).then((r) => r.status).catch(() => 0);
    const healthMs = Date.now() - asked;
    const stop = await stopTime(s, "SIGTERM");
    const bound = FACTOR * perSpawn;
    expect({ health, code: stop.code }).toEqual({ health: 200, code: 0 });
    console.info(`${runtime}: one spawn ${perSpawn.toFixed(1)} ms, /healthz ${healthMs} ms, SIGTERM ${stop.ms} ms`);
    expect(healthMs).toBeLessThan(bound);
    expect(stop.ms).toBeLessThan(bound);
  }, 240_000);

  test("issue 19 item 8: Ctrl+C while 1000 API workers start stops at once, with no start line", async () => {
    const begun = Date.now();
    const s = run(runtime, [
      "serve",
      SERVICE,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--no-admin",
      "--api-workers",
      String(MANY),
    ]);
    const perSpawn = await spawnTime(s, SEEN, begun);
    const stop = await stopTime(s, "SIGINT");
    console.info(`${runtime}: one spawn ${perSpawn.toFixed(1)} ms, SIGINT ${stop.ms} ms`);
    expect(stop.code).toBe(0);
    expect(s.output()).not.toContain("listening on");
    expect(stop.ms).toBeLessThan(FACTOR * perSpawn);
  }, 240_000);
});
