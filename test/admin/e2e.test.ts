/**
 * The admin server of a real `bento-kit serve` (iris example, Node supervisor):
 * what an operator sees and does, with real workers, a real event stream,
 * wrk as the load and the real CLI in another process.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import {
  alive,
  cleanup,
  CLEANUP_MS,
  post,
  serve,
  type Served,
  serviceTestMs,
  sleep,
} from "../_helpers/serve-process.ts";
import { newStateDir, runCli } from "./_service.ts";
import { CLASSIFY_SCRIPT, startLoad } from "../_helpers/load.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const TOKEN = "e2e-admin-token-0123456789";
const BODY = "[[5.9,3.0,5.1,1.8]]";

interface PoolJson {
  name: string;
  target: number;
  ready: number;
  workers: { id: number; pid: number; state: string }[];
}
/** What the tests read of an answer: the pool list, one pool, or the error, whichever the route sent. */
type AdminJson = PoolJson & { pools: PoolJson[]; error: { message: string } };

async function admin(service: string, args: string[] = []) {
  const stateDir = newStateDir();
  const env = { BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: stateDir };
  const s = await serve("node", service, args, env);
  const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) as AdminJson };
  };
  const pools = async () => (await call("GET", "/v1/pools")).json.pools as PoolJson[];
  const pool = async (name: string) => (await pools()).find((p) => p.name === name)!;
  return { s, url, call, pools, pool, env, stateDir };
}

test(
  "pools are listed with 2 ready workers each and their pids; no token, 401; bad requests change nothing",
  async () => {
    const { call, pools, s } = await admin("examples/iris");
    const listed = await pools();
    expect(listed.map((p) => [p.name, p.ready, p.workers.length])).toEqual([["runner:iris", 2, 2], [
      "api_server",
      2,
      2,
    ]]);
    for (const p of listed) for (const w of p.workers) expect(alive(w.pid)).toBe(true);
    expect((await call("GET", "/v1/pools", undefined, "wrong-token-but-long-enough")).status).toBe(401);
    expect((await fetch(`${(await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]}/v1/pools`)).status)
      .toBe(401);
    const bad = [
      await call("POST", "/v1/pools/nope/scale", { workers: 2 }),
      await call("POST", "/v1/pools/api_server/scale", { workers: 0 }),
      await call("POST", "/v1/pools/api_server/scale", { workers: "three" }),
      await call("POST", "/v1/pools/api_server/workers/7/restart"),
    ];
    for (const r of bad) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.json.error.message).toMatch(/\w+ \w+/);
    }
    expect((await pools()).map((p) => p.workers.map((w) => w.pid))).toEqual(
      listed.map((p) => p.workers.map((w) => w.pid)),
    );
  },
  60_000,
);

test("scale to 3: the third worker is ready and answers; back to 1: workers 3 and 2 stop gracefully", async () => {
  const { call, pool, s } = await admin("examples/iris");
  const t0 = performance.now();
  const up = await call("POST", "/v1/pools/api_server/scale", { workers: 3 });
  const readyMs = performance.now() - t0;
  expect(up.status).toBe(200);
  const third = (await pool("api_server")).workers.find((w) => w.id === 3)!;
  expect(third.state).toBe("ready");
  console.log(`third API worker ready ${readyMs.toFixed(0)} ms after the scale request`);
  // It answers: fresh connections land on every worker of the shared socket sooner or later.
  const seen = new Set<string>();
  for (let i = 0; i < 600 && !seen.has(String(third.pid)); i++) {
    seen.add((await post(s.port, "/classify", BODY)).pid ?? "");
  }
  expect(seen.has(String(third.pid))).toBe(true);
  const down = await call("POST", "/v1/pools/api_server/scale", { workers: 1 });
  expect(down.json.workers.map((w: { id: number }) => w.id)).toEqual([1]);
  const out = s.output();
  for (const id of [2, 3]) {
    expect(out).toMatch(new RegExp(`\\[api_server:${id}\\] worker \\d+: SIGTERM received, finishing`));
  }
  expect(out).not.toMatch(/\[cli:api_server\].*still running after the graceful timeout/);
}, 60_000);

test(
  "kill -9 of a worker shows on /v1/events as an exit naming the signal, then a respawn and a ready event",
  async () => {
    const { url, pool } = await admin("examples/iris");
    const victim = (await pool("api_server")).workers[0]!;
    // Last-Event-ID 0 replays the start-up too: the workers' own cold start is the yardstick for "back quickly".
    const res = await fetch(`${url}/v1/events`, {
      headers: { authorization: `Bearer ${TOKEN}`, "last-event-id": "0" },
    });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes(`"pid":${victim.pid},"afterMs"`)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    const coldStart = Math.max(...[...text.matchAll(/"type":"ready"[^\n]*"afterMs":(\d+)/g)].map((m) => Number(m[1])));
    const killedAt = performance.now();
    process.kill(victim.pid, "SIGKILL");
    const until = Date.now() + 15_000;
    // A read that loses the race stays pending and is awaited again: dropping it would lose its chunk.
    let pending = reader.read();
    while (!/"type":"ready"[^\n]*"workerId":1/.test(text.slice(text.indexOf("SIGKILL"))) && Date.now() < until) {
      const chunk = await Promise.race([pending, sleep(500).then(() => undefined)]);
      if (chunk === undefined) continue;
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
      pending = reader.read();
    }
    const backMs = performance.now() - killedAt;
    await reader.cancel();
    const after = text.slice(
      text.lastIndexOf('"type":"exit"', text.indexOf(`"pid":${victim.pid},"code":null,"signal":"SIGKILL"`)),
    );
    expect(after).toMatch(/"type":"exit"[^\n]*"signal":"SIGKILL"/);
    const order = ['"type":"exit"', '"type":"respawn-scheduled"', '"type":"spawn"', '"type":"ready"'].map((t) =>
      after.indexOf(t)
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    console.log(`exit → ready on the event stream: ${backMs.toFixed(0)} ms (worker cold start here ${coldStart} ms)`);
    expect(backMs).toBeLessThan(Math.max(1000, 3 * coldStart));
  },
  60_000,
);

async function rollUnderLoad(service: string, pools: string[]) {
  const { pool, env, s } = await admin(service);
  const before = new Map<string, number[]>();
  for (const name of pools) before.set(name, (await pool(name)).workers.map((w) => w.pid));
  const load = await startLoad(`http://127.0.0.1:${s.port}/classify`, { script: CLASSIFY_SCRIPT });
  for (const name of pools) {
    const r = await runCli(["restart", name], env, 60_000);
    expect(r.code).toBe(0);
  }
  const result = await load.stop();
  console.log(
    `${service}: ${result.requests} requests during rolling restarts of ${
      pools.join(", ")
    }; socket errors ${result.socketErrors}, non-2xx ${result.non2xx}`,
  );
  expect(result.requests).toBeGreaterThan(100);
  expect(result.socketErrors).toBe(0);
  expect(result.non2xx).toBe(0);
  for (const name of pools) {
    const now = (await pool(name)).workers.map((w) => w.pid);
    expect(now.filter((pid) => before.get(name)!.includes(pid))).toEqual([]);
    expect(before.get(name)!.filter(alive)).toEqual([]);
  }
  const stopped = await runCli(["stop"], env, 60_000);
  expect(stopped.code).toBe(0);
  expect(await s.exited).toBe(0);
}

test("rolling restarts of the API pool and the runner pool under wrk load: 0 errors, every pid changed", async () => {
  await rollUnderLoad("examples/iris", ["api_server", "runner:iris"]);
}, 120_000);

test.skipIf(!require("node:fs").existsSync("/usr/lib/python3/dist-packages/gunicorn"))(
  "the same for a runner pool of gunicorn workers",
  async () => {
    await rollUnderLoad("examples/iris-gunicorn", ["runner:iris", "api_server"]);
  },
  120_000,
);

test("bento-kit status prints the pools; bento-kit stop stops the service, exit 0, nothing left", async () => {
  const { env, s } = await admin("examples/iris");
  const status = await runCli(["status"], env);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/^runner:iris\s+1\s+\d+\s+ready/m);
  expect(status.stdout).toMatch(/^api_server\s+2\s+\d+\s+ready/m);
  const everything = s.descendants();
  const stop = await runCli(["stop"], env);
  expect(stop.code).toBe(0);
  expect(await s.exited).toBe(0);
  expect(everything.filter(alive)).toEqual([]);
}, 60_000);

export type { Served };
