/**
 * The real CLI (`bento-kit status|scale|restart|stop|events`, on Node) against
 * a real admin server in another process (the fake service), found through
 * its instance file in a private state dir.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cleanupServices, newStateDir, runCli, startCli, startFakeService, waitFor } from "./_service.ts";
import { serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterAll(cleanupServices);

test(
  "status, scale and restart steer the service found on this machine; stop stops it and events follows until then",
  async () => {
    const svc = await startFakeService("bun");
    const env = { BENTO_STATE_DIR: svc.stateDir };

    const status = await runCli(["status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`iris_classifier: serve on bun, pid ${svc.pid}`);
    expect(status.stdout).toMatch(/^POOL\s+WORKER\s+PID\s+STATE\s+UPTIME\s+RESTARTS/m);
    expect(status.stdout).toMatch(/^runner:iris\s+2\s+1001\s+ready/m);
    expect(status.stdout).toMatch(/^api_server\s+2\s+1003\s+ready/m);

    const scaled = await runCli(["scale", "api_server", "3"], env);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout).toContain("Pool api_server: 3 workers");
    const json = JSON.parse((await runCli(["status", "--json"], env)).stdout);
    expect(json.pools.find((p: { name: string }) => p.name === "api_server").workers).toHaveLength(3);

    const restarted = await runCli(["restart", "runner:iris"], env);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(/^Pool runner:iris restarted: pids \d+, \d+$/m);
    expect(restarted.stdout).not.toContain("1000,");
    expect((await runCli(["restart", "api_server", "--worker", "2"], env)).stdout).toContain(
      "Worker 2 of pool api_server restarted",
    );

    const one = await runCli(["scale", "api_server", "1"], env);
    expect(one.stdout).toContain("Pool api_server: 1 worker, 1 ready");

    const events = startCli(["events", "--since", "0", "--json"], env);
    expect(await waitFor(() => events.stdout().includes('"type":"restart"'))).toBe(true);
    const stop = await runCli(["stop"], env);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`Stopped iris_classifier (pid ${svc.pid})`);
    // stop waits until the pid is gone (a zombie counts as gone); this process reaps it a moment later.
    expect(await svc.exited).toBe(0);
    expect(existsSync(join(svc.stateDir, `${svc.pid}.json`))).toBe(false);
    const followed = await events.done;
    expect(followed.code).toBe(0);
    const types = followed.stdout.trim().split("\n").map((l) => JSON.parse(l).type);
    expect(types).toContain("scale");
    expect(types).toContain("restart");
    expect(types.at(-1)).toBe("stop");
  },
  120_000,
);

test("bad requests exit 2 with the API's message and change nothing", async () => {
  const svc = await startFakeService("bun");
  const env = { BENTO_STATE_DIR: svc.stateDir };
  const cases: [string[], RegExp][] = [
    [["scale", "web", "2"], /No pool named "web": the pools are "runner:iris", "api_server"/],
    [
      ["scale", "api_server", "0"],
      /workers: expected at least 1 \(to stop the service: bento-kit stop, or POST \/v1\/stop\)/,
    ],
    [["scale", "api_server", "three"], /expected a whole number of workers, got "three"/],
    [["restart", "api_server", "--worker", "9"], /Pool api_server has no worker 9/],
    [["restart", "web"], /No pool named "web"/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  }
  const json = JSON.parse((await runCli(["status", "--json"], env)).stdout);
  expect(json.pools.map((p: { workers: { pid: number }[] }) => p.workers.map((w) => w.pid))).toEqual([[1000, 1001], [
    1002,
    1003,
  ]]);
}, 120_000);

test("no service running, several running, --service, --admin and a wrong token", async () => {
  const empty = newStateDir();
  const none = await runCli(["status"], { BENTO_STATE_DIR: empty });
  expect(none.code).toBe(1);
  expect(none.stderr).toContain(`No bento-kit service is running on this machine (looked in ${empty})`);

  const dir = newStateDir();
  const a = await startFakeService("bun", { BK_SERVICE: "alpha", BK_POOLS: '{"api_server":1}' }, dir);
  const b = await startFakeService("bun", { BK_SERVICE: "beta", BK_POOLS: '{"api_server":3}' }, dir);
  const env = { BENTO_STATE_DIR: dir };
  const several = await runCli(["status"], env);
  expect(several.code).toBe(2);
  expect(several.stderr).toContain("2 services are running");
  expect(several.stderr).toContain("--service NAME");
  expect(several.stderr).toContain(`alpha serve on tcp://127.0.0.1:3000 (pid ${a.pid}, admin ${a.url})`);
  const beta = await runCli(["status", "--service", "beta"], env);
  expect(beta.stdout).toContain(`beta: serve on bun, pid ${b.pid}`);
  expect((await runCli(["status", "--service", "gamma"], env)).stderr).toContain('No service named "gamma" is running');
  // Services of one name (a runner server and an HTTP server of one bento) are told apart by command and address.
  const runner = await startFakeService("bun", { BK_SERVICE: "delta", BK_COMMAND: "start-runner-server" }, dir);
  const http = await startFakeService("bun", { BK_SERVICE: "delta", BK_COMMAND: "start-http-server" }, dir);
  const same = await runCli(["status", "--service", "delta"], env);
  expect(same.code).toBe(2);
  expect(same.stderr).toContain("2 services are running: pick one with --admin URL");
  expect(same.stderr).toContain(
    `delta start-runner-server on tcp://127.0.0.1:3000 (pid ${runner.pid}, admin ${runner.url})`,
  );
  expect(same.stderr).toContain(`delta start-http-server on tcp://127.0.0.1:3000 (pid ${http.pid}, admin ${http.url})`);
  const byUrl = await runCli(["status", "--admin", a.url], env);
  expect(byUrl.stdout).toContain(`alpha: serve on bun, pid ${a.pid}`);
  const wrong = await runCli(["status", "--admin", a.url], { ...env, BENTO_ADMIN_TOKEN: "not-the-token-of-alpha" });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain("refused the token");
  const gone = await runCli(["status", "--admin", "http://127.0.0.1:1"], { BENTO_ADMIN_TOKEN: "whatever-token-123" });
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain("Cannot reach the admin server");
}, 120_000);
