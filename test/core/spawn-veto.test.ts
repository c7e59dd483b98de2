/**
 * A `beforeSpawn` veto against the recording runtime: a plain Err keeps that
 * one worker down (state `vetoed`, a log line naming plugin and worker, a
 * `spawn-vetoed` event) while the rest of the service runs; `{ stop: true }`
 * stops the service. Real `serve` runs are in test/serve/spawn-veto.test.ts.
 */
import { expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import { definePlugin, type SpawnPlan } from "bento-kit";
import { runPlugins } from "bento-kit/testing";

const manifest = {
  name: "t",
  api: { command: ["w", "--fd", "{fd:api}"], workers: 2 },
  runners: { m: { command: ["r"], workers: 3 } },
};

/** Vetoes spawns of `pool` worker `id` while `when()` says so; `stop` asks to stop the service. */
function vetoPlugin(pool: string, id: number, opts: { stop?: boolean; when?: () => boolean } = {}) {
  return definePlugin({
    name: "acme:gate",
    beforeSpawn: (plan: SpawnPlan) =>
      plan.pool === pool && plan.workerId === id && (opts.when?.() ?? true)
        ? err(opts.stop ? { message: "licence expired", stop: true } : "no device for it")
        : ok(plan),
  });
}

test("a veto of one worker at start keeps that worker down; every other worker runs and the service is ready", async () => {
  const run = await runPlugins(manifest, [vetoPlugin("runner:m", 2)]);
  expect(run.started.isOk()).toBe(true);
  expect(run.spawns.map((s) => `${s.pool}:${s.workerId}`)).toEqual([
    "runner:m:1",
    "runner:m:3",
    "api_server:1",
    "api_server:2",
  ]);
  const runner = run.pools().find((p) => p.name === "runner:m")!;
  expect(runner.workers.map((w) => [w.id, w.state])).toEqual([[1, "ready"], [2, "vetoed"], [3, "ready"]]);
  expect(runner.workers[1]!.vetoed).toMatchObject({
    plugin: "acme:gate",
    message: "Plugin acme:gate vetoed beforeSpawn: no device for it",
  });
  expect(run.logs).toContain(
    "warn [runner:m] worker 2 stays down: Plugin acme:gate vetoed beforeSpawn: no device for it (`bento-kit restart runner:m --worker 2` tries again)",
  );
  expect(run.events).toContainEqual({
    type: "spawn-vetoed",
    pool: "runner:m",
    workerId: 2,
    plugin: "acme:gate",
    message: "Plugin acme:gate vetoed beforeSpawn: no device for it",
    stop: false,
  });
  expect(await run.supervisor.whenReady()).toBe(true);
  expect((await run.stop()).isOk()).toBe(true);
});

test("a veto of a respawn keeps the worker down instead of counting as a crash; restarting it tries again", async () => {
  let vetoing = false;
  const run = await runPlugins(manifest, [vetoPlugin("api_server", 1, { when: () => vetoing })]);
  vetoing = true;
  run.exit("api_server", 1);
  const api = () => run.pools().find((p) => p.name === "api_server")!;
  expect(await run.until(() => api().workers[0]!.state === "vetoed")).toBe(true);
  // No back-off, no give-up: one veto, the pool and the service keep running.
  expect(run.events.filter((e) => e.type === "give-up")).toEqual([]);
  expect(run.events.filter((e) => e.type === "spawn-vetoed")).toHaveLength(1);
  expect(api().workers.map((w) => w.state)).toEqual(["vetoed", "ready"]);
  vetoing = false;
  expect((await run.supervisor.restartWorker("api_server", 1)).isOk()).toBe(true);
  expect(api().workers.map((w) => [w.state, w.vetoed])).toEqual([["ready", null], ["ready", null]]);
  expect((await run.stop()).isOk()).toBe(true);
});

test("a veto of a rolling restart's replacement fails the restart; the old worker keeps serving", async () => {
  let vetoing = false;
  const run = await runPlugins(manifest, [vetoPlugin("api_server", 2, { when: () => vetoing })]);
  const before = run.pools().find((p) => p.name === "api_server")!.workers.map((w) => w.pid);
  vetoing = true;
  const restarted = await run.supervisor.restart("api_server");
  expect(restarted._unsafeUnwrapErr()).toMatchObject({ kind: "RolloutFailed", workerId: 2 });
  expect(restarted._unsafeUnwrapErr().message).toContain("Plugin acme:gate vetoed beforeSpawn: no device for it");
  const after = run.pools().find((p) => p.name === "api_server")!.workers;
  expect(after[1]).toMatchObject({ pid: before[1], state: "ready", vetoed: null });
  await run.stop();
});

test("err({ message, stop: true }) at start: the service does not start, and nothing is left running", async () => {
  const run = await runPlugins(manifest, [vetoPlugin("runner:m", 2, { stop: true })]);
  expect(run.started._unsafeUnwrapErr()).toMatchObject({
    kind: "HookVetoed",
    plugin: "acme:gate",
    stop: true,
    message: "Plugin acme:gate vetoed beforeSpawn: licence expired",
  });
  expect(run.recorded.live.size).toBe(0);
  expect(run.spawns.map((s) => `${s.pool}:${s.workerId}`)).toEqual(["runner:m:1"]);
});

test("err({ message, stop: true }) on a respawn: every pool stops at once and done says which plugin", async () => {
  let vetoing = false;
  const run = await runPlugins(manifest, [vetoPlugin("runner:m", 3, { stop: true, when: () => vetoing })]);
  vetoing = true;
  run.exit("runner:m", 3);
  const done = await run.supervisor.done;
  expect(done._unsafeUnwrapErr()).toMatchObject({ kind: "HookVetoed", plugin: "acme:gate", stop: true });
  expect(run.recorded.live.size).toBe(0);
  expect(run.logs).toContain("error Plugin acme:gate asked to stop the service: stopping every pool");
  // One veto, no retries.
  expect(run.spawns.filter((s) => s.pool === "runner:m" && s.workerId === 3)).toHaveLength(1);
});
