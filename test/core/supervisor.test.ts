/**
 * The supervisor's state machine against an in-memory runtime (real processes
 * are in test/serve): start order, stop order, and a stop that arrives while
 * pools are still starting.
 */
import { expect, test } from "bun:test";
import { ok } from "neverthrow";
import { createRecordingRuntime } from "bento-kit/testing";
import {
  createSilentLogger,
  createSupervisor,
  definePlugin,
  type LaunchSpec,
  type SpawnPlan,
  type WatcherSpec,
} from "../../mod.ts";
import { systemClock } from "../../src/launch/_clock.ts";

/** The recording runtime; `spawns()` lists its spawn lines without pids (`spawn POOL:ID`). */
function fakeRuntime(spawnDelayMs = 0) {
  const recorded = createRecordingRuntime({ spawnDelayMs });
  const spawns = () => recorded.log.filter((l) => l.startsWith("spawn")).map((l) => l.split(" ").slice(0, 2).join(" "));
  /** The worker `pid` dies on its own (a crash). */
  const crash = (pid: number) => recorded.live.get(pid)?.exit(1, null);
  return { runtime: recorded.runtime, live: recorded.live, log: recorded.log, spawns, crash };
}

const watcher = (name: string, role: WatcherSpec["role"], priority: number, workers: number): WatcherSpec => ({
  name,
  role,
  priority,
  workers,
  command: { kind: "argv", argv: ["w"] },
  env: { BENTO_POOL: name },
  workerEnv: [],
  cwd: "/",
  sockets: [name],
  respawn: true,
  gracefulTimeout: 1,
  keepStdin: false,
});

const spec: LaunchSpec = {
  command: "serve",
  service: "s",
  runDir: "/run",
  vars: {},
  sockets: [{ kind: "unix", name: "api_server", path: "/run/a", backlog: 1 }, {
    kind: "unix",
    name: "runner:m",
    path: "/run/m",
    backlog: 1,
  }],
  watchers: [watcher("api_server", "api", 10, 2), watcher("runner:m", "runner", 0, 2)],
};

test("runners start before the API; the API stops before the runners; then sockets close and the run dir goes", async () => {
  const { runtime, live, log, spawns } = fakeRuntime();
  const sup = createSupervisor({
    spec,
    runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  expect((await sup.start()).isOk()).toBe(true);
  expect(spawns()).toEqual(["spawn runner:m:1", "spawn runner:m:2", "spawn api_server:1", "spawn api_server:2"]);
  log.length = 0;
  await sup.stop();
  expect(log).toEqual([
    "SIGTERM 102",
    "SIGTERM 103",
    "SIGTERM 100",
    "SIGTERM 101",
    "close api_server",
    "close runner:m",
    "rm /run",
  ]);
  expect(live.size).toBe(0);
  expect((await sup.done).isOk()).toBe(true);
});

test("a stop that arrives while pools are starting leaves no worker behind", async () => {
  const { runtime, live, log, spawns } = fakeRuntime(20);
  const sup = createSupervisor({
    spec,
    runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  const started = sup.start();
  while (spawns().length === 0) await Bun.sleep(1);
  await sup.stop();
  expect((await started).isOk()).toBe(true);
  expect(live.size).toBe(0);
  expect(spawns().length).toBeLessThan(4);
  expect(log.at(-1)).toBe("rm /run");
});

test("a replacement still in its beforeSpawn hooks when the stop comes is never started", async () => {
  const { runtime, live, spawns, crash } = fakeRuntime();
  const slow = definePlugin({
    name: "t:slow",
    beforeSpawn: async (plan: SpawnPlan) => (await Bun.sleep(50), ok(plan)),
  });
  const one: LaunchSpec = { ...spec, watchers: [watcher("runner:m", "runner", 0, 1)], sockets: [spec.sockets[1]!] };
  const sup = createSupervisor({
    spec: one,
    runtime,
    plugins: [slow],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  expect((await sup.start()).isOk()).toBe(true);
  crash([...live.keys()][0]!);
  await Bun.sleep(10); // the replacement is now inside the slow beforeSpawn
  await sup.stop();
  expect(spawns()).toEqual(["spawn runner:m:1"]);
  expect(live.size).toBe(0);
});

test("a workerEnv entry cannot override the supervisor's BENTO_* variables", async () => {
  const { runtime, spawns } = fakeRuntime();
  const w = { ...watcher("runner:m", "runner", 0, 1), workerEnv: [{ BENTO_POOL: "hijack", GPU: "0" }] };
  const sup = createSupervisor({
    spec: { ...spec, watchers: [w] },
    runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  await sup.start();
  expect(spawns()).toContain("spawn runner:m:1");
  await sup.stop();
});

test("pools of the same priority stop together: two runner pools get SIGTERM at once, after the API", async () => {
  const { runtime, log } = fakeRuntime();
  const three: LaunchSpec = {
    ...spec,
    sockets: [...spec.sockets, { kind: "unix", name: "runner:n", path: "/run/n", backlog: 1 }],
    watchers: [
      watcher("api_server", "api", 10, 1),
      watcher("runner:m", "runner", 0, 1),
      watcher("runner:n", "runner", 0, 1),
    ],
  };
  const sup = createSupervisor({
    spec: three,
    runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  await sup.start();
  log.length = 0;
  await sup.stop();
  expect(log.slice(0, 3)).toEqual(["SIGTERM 102", "SIGTERM 100", "SIGTERM 101"]);
});
