/**
 * The hooks around a worker's life, against the recording runtime:
 * `afterSpawn` (pid, final plan, argv), `beforeSignal` (change the stop signal,
 * hold it back, or fail safe), `afterPoolStop` (once per pool, in stop order,
 * before the plugins are disposed).
 */
import { expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import { definePlugin, type PoolStopped, type SpawnedWorker, type WorkerSignal } from "bento-kit";
import { runPlugins } from "bento-kit/testing";

const manifest = {
  name: "t",
  api: { command: ["w", "--fd", "{fd:api}"], workers: 2 },
  runners: { m: { command: ["r", "{worker_id}"], workers: 1 } },
  serve: { timeoutGracefulShutdown: 1 },
};

test("afterSpawn gets each worker's pid, argv and the plan as every beforeSpawn handler left it; a throw is logged, nothing more", async () => {
  const seen: SpawnedWorker[] = [];
  const tag = definePlugin({
    name: "acme:tag",
    beforeSpawn: (plan) => ok({ ...plan, env: { ...plan.env, ACME: `${plan.workerId}` } }),
  });
  const watch = definePlugin({ name: "acme:watch", afterSpawn: (w) => void seen.push(w) });
  const broken = definePlugin({
    name: "acme:broken",
    afterSpawn: () => {
      throw new Error("kaput");
    },
  });
  const run = await runPlugins(manifest, [tag, watch, broken]);
  expect(seen.map((w) => [w.pool, w.workerId, w.pid, w.plan.env.ACME, w.argv.join(" ")])).toEqual([
    // argv as spawned: placeholders expanded (behind the shim that sets LISTEN_PID for a worker given sockets).
    ["runner:m", 1, 100, "1", expect.stringMatching(/ r 1$/)],
    ["api_server", 1, 101, "1", expect.stringMatching(/ w --fd 3$/)],
    ["api_server", 2, 102, "2", expect.stringMatching(/ w --fd 3$/)],
  ]);
  expect(seen.map((w) => w.pid)).toEqual(run.recorded.spawned.map((w) => w.pid));
  expect(run.logs.filter((l) => l.includes("kaput"))).toHaveLength(3);
  expect(run.logs).toContain("error [runner:m] Plugin acme:broken failed in afterSpawn: kaput");
  expect(run.pools().every((p) => p.ready === p.target)).toBe(true);
  await run.stop();
});

test("beforeSignal can turn the stop signal into SIGINT, and says why it is sent", async () => {
  const asked: WorkerSignal[] = [];
  const sigint = definePlugin({
    name: "acme:sigint",
    beforeSignal: (s) => (asked.push(s), ok(s.pool === "api_server" ? { ...s, signal: "SIGINT" as const } : s)),
  });
  const run = await runPlugins(manifest, [sigint]);
  const [r1, a1, a2] = run.recorded.spawned.map((w) => w.pid);
  expect((await run.supervisor.restartWorker("api_server", 2)).isOk()).toBe(true);
  expect(asked.map((s) => [s.workerId, s.pid, s.why])).toEqual([[2, a2!, "retire"]]);
  await run.stop();
  expect(run.recorded.log.filter((l) => /^SIG/.test(l))).toEqual([
    `SIGINT ${a2}`,
    `SIGINT ${a1}`,
    "SIGINT 103",
    `SIGTERM ${r1}`,
  ]);
  expect(asked.slice(1).map((s) => [s.pool, s.why])).toEqual([["api_server", "stop"], ["api_server", "stop"], [
    "runner:m",
    "stop",
  ]]);
});

test("a beforeSignal Err holds SIGTERM back: the worker gets SIGKILL at the graceful timeout; a throw still sends SIGTERM", async () => {
  const hold = definePlugin({
    name: "acme:hold",
    beforeSignal: (s) => (s.pool === "api_server" ? err("draining a batch") : ok(s)),
  });
  const run = await runPlugins(manifest, [hold]);
  const [r1, a1, a2] = run.recorded.spawned.map((w) => w.pid);
  await run.stop();
  expect(run.recorded.log.filter((l) => /^SIG/.test(l))).toEqual([`SIGTERM ${r1}`, `SIGKILL ${a1}`, `SIGKILL ${a2}`]);
  expect(run.logs).toContain(
    `warn [api_server] Plugin acme:hold vetoed beforeSignal: draining a batch: SIGTERM not sent to worker 1 (pid ${a1}); SIGKILL follows at the graceful timeout`,
  );

  const broken = definePlugin({
    name: "acme:broken",
    beforeSignal: () => {
      throw new Error("kaput");
    },
  });
  const second = await runPlugins(manifest, [broken]);
  await second.stop();
  expect(second.recorded.log.filter((l) => /^SIG/.test(l)).map((l) => l.split(" ")[0])).toEqual([
    "SIGTERM",
    "SIGTERM",
    "SIGTERM",
  ]);
  expect(second.logs.filter((l) => l.includes("failed in beforeSignal: kaput: sending SIGTERM"))).toHaveLength(3);
});

test("afterPoolStop runs once per pool, API first, with each pool's last view, before the plugins are disposed", async () => {
  const order: string[] = [];
  const stopped: PoolStopped[] = [];
  const watch = definePlugin({
    name: "acme:watch",
    afterPoolStop: (p) => void (stopped.push(p), order.push(`stopped ${p.pool}`)),
    dispose: () => void order.push("dispose"),
  });
  const run = await runPlugins(manifest, [watch]);
  await run.stop();
  expect(order).toEqual(["stopped api_server", "stopped runner:m", "dispose"]);
  expect(stopped.map((p) => [p.pool, p.role, p.cause, p.view.workers.map((w) => w.lastExit?.reason)])).toEqual([
    ["api_server", "api", "stop", ["killed by SIGTERM (asked to stop)", "killed by SIGTERM (asked to stop)"]],
    ["runner:m", "runner", "stop", ["killed by SIGTERM (asked to stop)"]],
  ]);
  expect(run.events.filter((e) => e.type === "pool-stopped")).toEqual([{ type: "pool-stopped", pool: "api_server" }, {
    type: "pool-stopped",
    pool: "runner:m",
  }]);
});

test("afterPoolStop says `failure` when the service stops because a pool gave up", async () => {
  const causes: string[] = [];
  const watch = definePlugin({ name: "acme:watch", afterPoolStop: (p) => void causes.push(`${p.pool} ${p.cause}`) });
  const run = await runPlugins({ ...manifest, serve: { ...manifest.serve } }, [watch], {
    env: { BENTO_CONTAINERIZED: "1" },
  });
  run.exit("runner:m", 1);
  expect((await run.supervisor.done).isErr()).toBe(true);
  expect(causes).toEqual(["api_server failure", "runner:m failure"]);
});

test("onEvent handlers and on() listeners get the same events in the same order; a throwing one is logged and the service runs on", async () => {
  const seen: string[] = [];
  const watch = definePlugin({ name: "acme:watch", onEvent: (e) => void seen.push(e.type) });
  const broken = definePlugin({
    name: "acme:broken",
    onEvent: () => {
      throw new Error("kaput");
    },
  });
  const run = await runPlugins(manifest, [watch, broken]);
  const heard: string[] = [];
  run.supervisor.on(() => {
    throw new Error("listener kaput");
  });
  run.supervisor.on((e) => void heard.push(e.type));
  const from = seen.length;
  expect(run.events.map((e): string => e.type)).toEqual(seen);
  expect((await run.supervisor.restartWorker("api_server", 1)).isOk()).toBe(true);
  expect(seen.slice(from)).toEqual(heard);
  expect(heard).toContain("restart");
  expect(run.logs).toContain("error Plugin acme:broken failed in onEvent: kaput");
  expect(run.logs.some((l) => l.includes('An event listener failed on "restart": listener kaput'))).toBe(true);
  expect(run.pools().every((p) => p.ready === p.target)).toBe(true);
  await run.stop();
});
