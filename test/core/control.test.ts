/**
 * Scale, restart and rolling restart in the core, against an in-memory
 * runtime whose workers say READY=1 when the test lets them (real processes
 * are in test/admin and test/serve).
 */
import { afterEach, expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import {
  createSilentLogger,
  createSupervisor,
  definePlugin,
  type LaunchSpec,
  type Supervisor,
  type SupervisorEvent,
  type WatcherSpec,
} from "../../mod.ts";
import { systemClock } from "../../src/launch/_clock.ts";
import { createRecordingRuntime } from "bento-kit/testing";

const watcher = (name: string, workers: number, timeoutMs = 5_000): WatcherSpec => ({
  name,
  role: "api",
  priority: 10,
  workers,
  command: { kind: "argv", argv: ["w"] },
  env: { BENTO_POOL: name },
  workerEnv: [],
  cwd: "/",
  sockets: [name],
  respawn: true,
  gracefulTimeout: 1,
  keepStdin: false,
  ready: { timeoutMs },
});

const spec = (w: WatcherSpec): LaunchSpec => ({
  command: "serve",
  service: "s",
  runDir: "/run",
  vars: {},
  sockets: [{ kind: "unix", name: w.name, path: "/run/a", backlog: 1 }],
  watchers: [w],
});

const running: Supervisor[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function started(
  w: WatcherSpec,
  readyAtOnce: (pool: string, id: number, nth: number) => boolean = () => true,
  plugins = [] as never[],
) {
  const fake = createRecordingRuntime({ readyAtOnce });
  const sup = createSupervisor({
    spec: spec(w),
    runtime: fake.runtime,
    plugins,
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  running.push(sup);
  const events: SupervisorEvent[] = [];
  sup.on((e) => events.push(e));
  expect((await sup.start()).isOk()).toBe(true);
  return { sup, events, ...fake };
}

const pids = (sup: Supervisor, pool = "api_server") =>
  sup.pools().find((p) => p.name === pool)!.workers.map((w) => w.pid);

test("whenReady resolves once every worker said READY=1; the view shows them ready", async () => {
  const { sup } = await started(watcher("api_server", 2));
  expect(await sup.whenReady()).toBe(true);
  const [pool] = sup.pools();
  expect(pool).toMatchObject({ name: "api_server", target: 2, ready: 2, busy: null });
  expect(pool!.workers.map((w) => [w.id, w.state])).toEqual([[1, "ready"], [2, "ready"]]);
});

test("scale up starts new ids and resolves when they are ready; scale down stops the highest ids", async () => {
  const { sup, log, events } = await started(watcher("api_server", 2));
  await sup.whenReady();
  const up = await sup.scale("api_server", 4);
  expect(up._unsafeUnwrap().workers.map((w) => [w.id, w.state])).toEqual([[1, "ready"], [2, "ready"], [3, "ready"], [
    4,
    "ready",
  ]]);
  const before = pids(sup);
  const down = await sup.scale("api_server", 1);
  expect(down._unsafeUnwrap().workers.map((w) => w.id)).toEqual([1]);
  expect(log).toContain(`SIGTERM ${before[3]}`);
  expect(log).toContain(`SIGTERM ${before[2]}`);
  expect(log).toContain(`SIGTERM ${before[1]}`);
  expect(log).not.toContain(`SIGTERM ${before[0]}`);
  expect(events.filter((e) => e.type === "scale")).toEqual([
    { type: "scale", pool: "api_server", from: 2, to: 4 },
    { type: "scale", pool: "api_server", from: 4, to: 1 },
  ]);
  // Scaled-down workers are not respawned.
  await Bun.sleep(50);
  expect(sup.pools()[0]!.workers.length).toBe(1);
});

test("a rolling restart replaces every worker, each replacement ready before its old worker gets SIGTERM", async () => {
  const { sup, log } = await started(watcher("api_server", 3));
  await sup.whenReady();
  const before = pids(sup);
  const rolled = await sup.restart("api_server");
  const after = rolled._unsafeUnwrap().workers.map((w) => w.pid);
  expect(after.every((pid, i) => pid !== before[i])).toBe(true);
  // Order per worker: the replacement spawns before the old one is signalled; one worker at a time.
  for (const [i, oldPid] of before.entries()) {
    expect(log.indexOf(`spawn api_server:${i + 1} ${after[i]}`)).toBeLessThan(log.indexOf(`SIGTERM ${oldPid}`));
    if (i > 0) {
      expect(log.indexOf(`SIGTERM ${before[i - 1]}`)).toBeLessThan(
        log.indexOf(`spawn api_server:${i + 1} ${after[i]}`),
      );
    }
  }
  expect(sup.pools()[0]!.ready).toBe(3);
});

test("a replacement that never becomes ready stops the rollout and the old worker keeps serving", async () => {
  const { sup, log, events } = await started(watcher("api_server", 2, 200), (_pool, _id, nth) => nth === 1);
  await sup.whenReady();
  const before = pids(sup);
  const rolled = await sup.restart("api_server");
  expect(rolled._unsafeUnwrapErr()).toMatchObject({ kind: "RolloutFailed", workerId: 1 });
  expect(rolled._unsafeUnwrapErr().message).toContain("was not ready within 0.2 s; the previous workers keep serving");
  expect(pids(sup)).toEqual(before);
  expect(log.some((l) => before.some((pid) => l === `SIGTERM ${pid}`))).toBe(false);
  expect(events.some((e) => e.type === "restart" && e.phase === "failed")).toBe(true);
});

test("bad requests are tagged errors and change nothing", async () => {
  const { sup } = await started(watcher("api_server", 2));
  await sup.whenReady();
  const before = pids(sup);
  expect((await sup.scale("nope", 2))._unsafeUnwrapErr()).toMatchObject({
    kind: "PoolNotFound",
    message: 'No pool named "nope": the pools are "api_server"',
  });
  for (const bad of [0, -1, 1.5, 1025, Number.NaN]) {
    expect((await sup.scale("api_server", bad))._unsafeUnwrapErr().kind).toBe("WorkerCountInvalid");
  }
  expect((await sup.restartWorker("api_server", 9))._unsafeUnwrapErr().kind).toBe("WorkerNotFound");
  const first = sup.restart("api_server");
  expect((await sup.scale("api_server", 3))._unsafeUnwrapErr().kind).toBe("OperationInProgress");
  await first;
  expect(sup.pools()[0]!.target).toBe(2);
  expect(pids(sup).length).toBe(before.length);
});

test("a singleton pool is not scaled beyond 1 worker, even when a plugin reshapes the request", async () => {
  const grow = definePlugin({
    name: "t:grow",
    beforeControl: (r) => ok(r.action === "restart" ? r : r.action === "scale" ? { ...r, workers: 3 } : r),
  });
  const { sup } = await started({ ...watcher("prom_server", 1), singleton: true }, () => true, [grow as never]);
  await sup.whenReady();
  const before = pids(sup, "prom_server");
  expect((await sup.scale("prom_server", 2))._unsafeUnwrapErr()).toEqual({
    kind: "PoolIsSingleton",
    pool: "prom_server",
    workers: 3,
    message: "Pool prom_server is a singleton: it runs exactly 1 worker and cannot be scaled to 3",
  });
  expect(sup.pools()[0]!.target).toBe(1);
  expect(pids(sup, "prom_server")).toEqual(before);
});

test("a beforeControl plugin can veto a request; after a stop began, requests are refused", async () => {
  const guard = definePlugin({
    name: "t:guard",
    beforeControl: (r) => (r.action === "scale" && r.workers > 3 ? Promise.reject(new Error("too many")) : ok(r)),
  });
  const { sup } = await started(watcher("api_server", 1), () => true, [guard as never]);
  await sup.whenReady();
  expect((await sup.scale("api_server", 5))._unsafeUnwrapErr()).toMatchObject({
    kind: "HookFailed",
    plugin: "t:guard",
  });
  expect((await sup.scale("api_server", 2)).isOk()).toBe(true);
  expect((await sup.requestStop()).isOk()).toBe(true);
  expect((await sup.scale("api_server", 1))._unsafeUnwrapErr().kind).toBe("ServiceStopping");
  await sup.done;
});

test("a reload goes through beforeControl too: a plugin can veto it, and a stopping service refuses it", async () => {
  const guard = definePlugin({
    name: "t:guard",
    beforeControl: (r) => (r.action === "reload" ? err("no reload during business hours") : ok(r)),
  });
  const { sup } = await started(watcher("api_server", 1), () => true, [guard as never]);
  await sup.whenReady();
  expect((await sup.admitReload())._unsafeUnwrapErr()).toMatchObject({ kind: "HookVetoed", plugin: "t:guard" });
  const { sup: plain } = await started(watcher("api_server", 1));
  await plain.whenReady();
  expect((await plain.admitReload()).isOk()).toBe(true);
  expect((await plain.requestStop()).isOk()).toBe(true);
  expect((await plain.admitReload())._unsafeUnwrapErr().kind).toBe("ServiceStopping");
  await sup.stop();
  await plain.done;
});

test("restart of one worker replaces only that worker", async () => {
  const { sup } = await started(watcher("api_server", 2));
  await sup.whenReady();
  const before = pids(sup);
  const after = (await sup.restartWorker("api_server", 2))._unsafeUnwrap().workers.map((w) => w.pid);
  expect(after[0]).toBe(before[0]);
  expect(after[1]).not.toBe(before[1]);
});

test("stop() before start(): start binds and spawns nothing, and done has settled", async () => {
  const fake = createRecordingRuntime({ readyAtOnce: () => true });
  const sup = createSupervisor({
    spec: spec(watcher("api_server", 1)),
    runtime: fake.runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  await sup.stop();
  expect((await sup.start()).isOk()).toBe(true);
  expect(fake.log).toEqual(["rm /run"]);
  expect(sup.sockets.size).toBe(0);
  expect((await sup.done).isOk()).toBe(true);
});

test("kill() also reaches a replacement still in an async beforeSpawn: it never starts", async () => {
  const slow = definePlugin({ name: "t:slow", beforeSpawn: async (plan) => (await Bun.sleep(80), ok(plan)) });
  const { sup, live } = await started(watcher("api_server", 1), () => true, [slow as never]);
  const [pid] = [...live.keys()];
  live.get(pid!)!.exit(1, null); // a crash: the replacement enters the slow hook
  live.delete(pid!);
  await Bun.sleep(20);
  sup.kill();
  await Bun.sleep(150);
  expect(live.size).toBe(0);
});
