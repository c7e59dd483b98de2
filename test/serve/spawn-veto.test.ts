/**
 * A plugin's `beforeSpawn` veto in a real `serve` (Node supervisor): a plain
 * Err keeps that one worker down, says so in the log, in `status`, in
 * `/v1/pools` and on the event stream, while the rest serves; an Err with
 * `stop: true` stops the whole service, exit 1, nothing left.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, serve, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import { newStateDir, runCli, startCli } from "../admin/_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const SERVICE = "test/_fixtures/veto-service";
const TOKEN = "veto-admin-token-0123456789";

test(
  "a veto of API worker 2 keeps it down: the service starts, the log names plugin and worker, status, /v1/pools and the events say vetoed",
  async () => {
    const env = { BENTO_TEST_VETO: "keep-down", BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: newStateDir() };
    const s = await serve("node", SERVICE, [], env);
    expect(s.output()).toMatch(
      /\[WARNING\] \[cli:api_server\] worker 2 stays down: Plugin test:gate vetoed beforeSpawn: no GPU left for it \(`bento-kit restart api_server --worker 2` tries again\)/,
    );
    expect(s.output()).toContain("[api_server:1] api 1 ready");
    expect(s.output()).not.toContain("[api_server:2]");
    const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
    const pools = await (await fetch(`${url}/v1/pools`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as {
      pools: {
        name: string;
        ready: number;
        workers: {
          id: number;
          state: string;
          pid: number | null;
          vetoed: { plugin: string; message: string } | null;
        }[];
      }[];
    };
    const api = pools.pools.find((p) => p.name === "api_server")!;
    expect(api.ready).toBe(1);
    expect(api.workers.map((w) => [w.id, w.state, w.vetoed?.plugin ?? null])).toEqual([[1, "ready", null], [
      2,
      "vetoed",
      "test:gate",
    ]]);
    expect(api.workers[1]!.pid).toBeNull();
    const status = await runCli(["status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /api_server\s+2\s+-\s+vetoed\s.*Plugin test:gate vetoed beforeSpawn: no GPU left for it/,
    );
    // The event history starts with the supervisor (issue 22): start-up's veto of worker 2 is on it, then worker 3's.
    const scaled = await fetch(`${url}/v1/pools/api_server/scale`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ workers: 3 }),
    });
    expect(((await scaled.json()) as { workers: { state: string }[] }).workers.map((w) => w.state)).toEqual([
      "ready",
      "vetoed",
      "vetoed",
    ]);
    const events = startCli(["events", "--since", "0"], env);
    const vetoLine =
      /#\d+ spawn-vetoed api_server:3: Plugin test:gate vetoed beforeSpawn: no GPU left for it \(kept down\)/;
    for (let i = 0; i < 400 && !vetoLine.test(events.stdout()); i++) await sleep(25);
    expect(events.stdout()).toMatch(vetoLine);
    expect(events.stdout()).toMatch(
      /#\d+ spawn-vetoed api_server:2: Plugin test:gate vetoed beforeSpawn: no GPU left for it \(kept down\)/,
    );
    expect(events.stdout()).toMatch(/#1 spawn runner:r:1 /);
    expect(await s.stop()).toBe(0);
    expect((await events.done).code).toBe(0);
  },
  60_000,
);

test(
  "a veto with stop: true of a respawn stops the service: exit 1 naming the plugin, no retries, nothing left",
  async () => {
    const s = await serve("node", SERVICE, ["--debug"], { BENTO_TEST_VETO: "stop-on-respawn" });
    const pid = Number((await s.waitForOutput(/\[cli:api_server\] worker 1 started \(pid (\d+)\)/))![1]);
    process.kill(pid, "SIGKILL");
    expect(await s.exited).toBe(1);
    expect(s.output()).toContain("Plugin test:gate asked to stop the service: stopping every pool");
    expect(s.output()).toMatch(/^Error: Plugin test:gate vetoed beforeSpawn: api_server:1 may not be replaced$/m);
    expect(s.output()).toMatch(
      /\[ERROR\] \[cli:api_server\] worker 1 not started: Plugin test:gate vetoed beforeSpawn: api_server:1 may not be replaced; the plugin asked to stop the service/,
    );
    // One veto, no retries.
    expect(s.output().match(/vetoed beforeSpawn/g)).toHaveLength(2);
    expect(await s.leftovers()).toEqual([]);
  },
  60_000,
);
