/**
 * The supervisor applying reload plans against an in-memory runtime: a new
 * runner is bound and started before the API rolls, a removed one is stopped
 * and its socket closed; a replacement that dies before it is ready stops the
 * reload with the old workers serving, and the later stage does not take over.
 */
import { expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import {
  createSilentLogger,
  createSupervisor,
  type LaunchSpec,
  type SupervisorEvent,
  type WatcherSpec,
} from "../../mod.ts";
import { systemClock } from "../../src/launch/_clock.ts";
import { planReload } from "../../src/core/reload-plan.ts";
import { createRecordingRuntime, type RecordingRuntime } from "../../src/testing/recording-runtime.ts";

function pool(name: string, role: "api" | "runner"): WatcherSpec {
  return {
    name,
    role,
    workers: 1,
    command: { kind: "argv", argv: ["w"] },
    env: { BENTO_POOL: name },
    workerEnv: [],
    cwd: "/",
    sockets: [name],
    respawn: true,
    gracefulTimeout: 1,
    priority: role === "runner" ? 0 : 10,
    keepStdin: false,
  };
}

function spec(runners: string[]): LaunchSpec {
  return {
    command: "serve",
    service: "s",
    runDir: "/tmp/x",
    vars: {},
    publicSocket: "api_server",
    sockets: ["api_server", ...runners].map((name) => ({
      kind: "unix" as const,
      name,
      path: `/run/${name}`,
      backlog: 8,
    })),
    watchers: [pool("api_server", "api"), ...runners.map((r) => pool(r, "runner"))],
  };
}

async function started(fake: RecordingRuntime, first: LaunchSpec) {
  const events: SupervisorEvent[] = [];
  const sup = createSupervisor({
    spec: first,
    runtime: fake.runtime,
    plugins: [],
    logger: createSilentLogger(),
    clock: systemClock,
    output() {},
  });
  sup.on((e) => events.push(e));
  expect((await sup.start()).isOk()).toBe(true);
  expect(await sup.whenReady()).toBe(true);
  return { sup, events };
}

test("a new runner is bound and started before the API rolls; a removed runner stops and its socket closes", async () => {
  const fake = createRecordingRuntime();
  const before = spec(["runner:a"]);
  const { sup, events } = await started(fake, before);
  fake.log.length = 0;
  const after = spec(["runner:b"]);
  const plan = planReload({
    previous: before,
    next: after,
    targets: { api_server: 1, "runner:a": 1 },
    codeChanged: false,
  });
  expect((await sup.reload(["bento.config.ts"], ok(plan))).isOk()).toBe(true);
  const at = (prefix: string) => fake.log.findIndex((l) => l.startsWith(prefix));
  expect(at("bind runner:b")).toBeGreaterThanOrEqual(0);
  expect(at("bind runner:b")).toBeLessThan(at("spawn runner:b:1"));
  expect(at("spawn runner:b:1")).toBeLessThan(at("spawn api_server:1"));
  expect(at("spawn api_server:1")).toBeLessThan(at("close runner:a"));
  expect(sup.pools().map((p) => p.name).sort()).toEqual(["api_server", "runner:b"]);
  expect([...sup.sockets.keys()].sort()).toEqual(["api_server", "runner:b"]);
  expect(events.filter((e) => e.type === "reload").map((e) => e.type === "reload" && e.phase)).toEqual([
    "begin",
    "done",
  ]);
  expect(events.filter((e) => e.type === "pool-stopped")).toEqual([{ type: "pool-stopped", pool: "runner:a" }]);
  await sup.stop();
});

test("a runner replacement that dies before it is ready: reload failed, the old workers serve, the API keeps its worker", async () => {
  const fake = createRecordingRuntime({ readyAtOnce: (p, _id, nth) => !(p === "runner:a" && nth === 2) });
  const first = spec(["runner:a"]);
  const { sup, events } = await started(fake, first);
  const pids = () => sup.pools().map((p) => `${p.name} ${p.workers.map((w) => w.pid).join()}`);
  const running = pids();
  const reloading = sup.reload(["runner.ts"], ok(planReload({ previous: first, targets: {}, codeChanged: true })));
  while (fake.log.filter((l) => l.startsWith("spawn runner:a:1")).length < 2) await Bun.sleep(5);
  const candidate = [...fake.live.entries()].filter(([, w]) => w.pool === "runner:a").map(([pid]) => pid).at(-1)!;
  fake.live.get(candidate)!.exit(1, null);
  const result = await reloading;
  expect(result.isErr() && result.error.message).toMatch(/Restart of pool runner:a stopped at worker 1/);
  expect(pids()).toEqual(running);
  const reloadEvents = events.filter((e) => e.type === "reload");
  expect(reloadEvents.map((e) => e.type === "reload" && e.phase)).toEqual(["begin", "failed"]);
  // An invalid manifest: reported as a failed reload, nothing touched.
  const spawns = fake.log.filter((l) => l.startsWith("spawn")).length;
  expect((await sup.reload(["bento.config.ts"], err({ message: "bad manifest" }))).isErr()).toBe(true);
  expect(fake.log.filter((l) => l.startsWith("spawn")).length).toBe(spawns);
  expect(events.at(-1)).toEqual({
    type: "reload",
    phase: "failed",
    files: ["bento.config.ts"],
    message: "bad manifest",
  });
  await sup.stop();
});
