import { expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import {
  createHookRunner,
  createSilentLogger,
  definePlugin,
  type LaunchSpec,
  type SocketSpec,
  type TcpSocketSpec,
} from "../../mod.ts";

const spec: LaunchSpec = { command: "serve", service: "s", sockets: [], watchers: [], runDir: "/tmp/x", vars: {} };
const socket: TcpSocketSpec = { kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 10 };
const runnerFor = (...plugins: Parameters<typeof createHookRunner>[0]) =>
  createHookRunner(plugins, { logger: createSilentLogger(), spec, sockets: new Map() });

const setPort = (seen: string[], tag: string, f: (port: number) => number) => (s: SocketSpec) => {
  seen.push(tag);
  return ok(s.kind === "tcp" ? { ...s, port: f(s.port) } : s);
};

test("waterfall: each handler gets the previous output; pre runs first, post last", async () => {
  const seen: string[] = [];
  const a = definePlugin({ name: "t:a", beforeBind: setPort(seen, "a", (p) => p + 1) });
  const b = definePlugin({ name: "t:b", beforeBind: { order: "post", handler: setPort(seen, "b", (p) => p * 2) } });
  const c = definePlugin({ name: "t:c", beforeBind: { order: "pre", handler: setPort(seen, "c", () => 1) } });
  const out = await runnerFor(a, b, c).waterfall("beforeBind", socket);
  expect((out._unsafeUnwrap() as TcpSocketSpec).port).toBe(4);
  expect(seen).toEqual(["c", "a", "b"]);
  expect(socket.port).toBe(3000);
});

test("an Err vetoes with a message naming the plugin", async () => {
  const veto = definePlugin({ name: "acme:guard", beforeBind: () => err("port 3000 is reserved") });
  const out = await runnerFor(veto).waterfall("beforeBind", socket);
  expect(out._unsafeUnwrapErr()).toMatchObject({
    kind: "HookVetoed",
    plugin: "acme:guard",
    message: "Plugin acme:guard vetoed beforeBind: port 3000 is reserved",
  });
});

test("a throwing handler becomes HookFailed naming plugin and hook", async () => {
  const boom = definePlugin({
    name: "acme:boom",
    beforeBind: () => {
      throw new Error("kaput");
    },
  });
  const out = await runnerFor(boom).waterfall("beforeBind", socket);
  expect(out._unsafeUnwrapErr()).toMatchObject({ kind: "HookFailed", plugin: "acme:boom", hook: "beforeBind" });
});

test("parallel hooks run every handler and collect errors", async () => {
  const exit = { pool: "p", workerId: 1, pid: 1, code: 1, signal: null, uptimeMs: 5, expected: false };
  const a = definePlugin({ name: "t:a", onExit: () => ({ respawn: false as const }) });
  const b = definePlugin({
    name: "t:b",
    onExit: () => {
      throw new Error("x");
    },
  });
  const c = definePlugin({ name: "t:c", onExit: () => ok(undefined) });
  const out = await runnerFor(a, b, c).parallel("onExit", exit);
  expect(out.results).toEqual([{ respawn: false }]);
  expect(out.errors.map((e) => e.plugin)).toEqual(["t:b"]);
});

test("setup runs in order, dispose in reverse order", async () => {
  const order: string[] = [];
  const mk = (n: string) =>
    definePlugin({
      name: n,
      setup: () => void order.push(`setup ${n}`),
      dispose: () => void order.push(`dispose ${n}`),
    });
  const runner = runnerFor(mk("a"), mk("b"));
  await runner.setup();
  await runner.dispose();
  expect(order).toEqual(["setup a", "setup b", "dispose b", "dispose a"]);
});

declare module "bento-kit" {
  interface BentoHooks {
    "acme:ready": import("bento-kit").ParallelHook<{ pool: string }, string>;
  }
}

test("plugins declare their own hooks and call them through ctx", async () => {
  const listener = definePlugin({ name: "acme:listener", "acme:ready": (v: { pool: string }) => `ready ${v.pool}` });
  let answer: unknown;
  const caller = definePlugin({
    name: "acme:caller",
    hooks: { "acme:ready": "parallel" },
    async beforeBind(s: SocketSpec, ctx) {
      answer = await ctx.callHook("acme:ready", { pool: "api" });
      return ok(s);
    },
  });
  await runnerFor(listener, caller).waterfall("beforeBind", socket);
  expect(answer).toEqual({ results: ["ready api"], errors: [] });
});

test("each hook resolves to the result its catalog entry declares (tsc and deno check hold the types)", async () => {
  const keep = definePlugin({ name: "t:keep", onExit: () => ({ respawn: false as const }) });
  const announce = definePlugin({ name: "t:announce", "acme:ready": (v: { pool: string }) => `saw ${v.pool}` });
  let heard: readonly string[] = [];
  const caller = definePlugin({
    name: "t:caller",
    hooks: { "acme:ready": "parallel" },
    async beforeBind(s: SocketSpec, ctx) {
      heard = (await ctx.callHook("acme:ready", { pool: "api" })).results;
      const spec = await ctx.callHook("launchSpec", ctx.spec);
      return spec.isOk() ? ok(s) : err(spec.error.message);
    },
  });
  const runner = runnerFor(keep, announce, caller);
  const exit = { pool: "p", workerId: 1, pid: 1, code: 0, signal: null, uptimeMs: 1, expected: false };
  const advice = (await runner.parallel("onExit", exit)).results.map((r) => r.respawn);
  expect(advice).toEqual([false]);
  const bound = await runner.waterfall("beforeBind", socket);
  expect(bound._unsafeUnwrap().name).toBe("api");
  expect(heard).toEqual(["saw api"]);
  // @ts-expect-error onExit is a parallel hook: it has no waterfall
  await runner.waterfall("onExit", exit);
  // @ts-expect-error a hook's value has the type its entry declares
  await runner.parallel("afterSpawn", { pool: "p" });
});

test("a plugin cannot change the kind of a built-in hook", async () => {
  const rogue = definePlugin({ name: "t:rogue", hooks: { onExit: "waterfall" } });
  const quiet = definePlugin({ name: "t:quiet", onExit: () => undefined });
  const exit = { pool: "p", workerId: 1, pid: 1, code: 0, signal: null, uptimeMs: 1, expected: false };
  const out = await runnerFor(rogue, quiet).parallel("onExit", exit);
  expect(out.errors).toEqual([]);
});

test("when a setup fails, only the plugins already set up are disposed", async () => {
  const order: string[] = [];
  const ok1 = definePlugin({
    name: "t:a",
    setup: () => void order.push("setup a"),
    dispose: () => void order.push("dispose a"),
  });
  const bad = definePlugin({
    name: "t:b",
    setup: () => {
      throw new Error("no");
    },
    dispose: () => void order.push("dispose b"),
  });
  const never = definePlugin({ name: "t:c", dispose: () => void order.push("dispose c") });
  const runner = runnerFor(ok1, bad, never);
  expect((await runner.setup())._unsafeUnwrapErr()).toMatchObject({ kind: "HookFailed", plugin: "t:b", hook: "setup" });
  await runner.dispose();
  expect(order).toEqual(["setup a", "dispose a"]);
});

test("a handler that never settles fails after the hook timeout, naming plugin and hook", async () => {
  const { systemClock } = await import("../../src/launch/_clock.ts");
  const hung = definePlugin({ name: "acme:hung", beforeBind: () => new Promise<never>(() => {}) });
  const runner = createHookRunner([hung], {
    logger: createSilentLogger(),
    spec,
    sockets: new Map(),
    clock: systemClock,
    timeoutMs: 50,
  });
  const out = await runner.waterfall("beforeBind", socket);
  expect(out._unsafeUnwrapErr()).toMatchObject({
    kind: "HookFailed",
    plugin: "acme:hung",
    hook: "beforeBind",
    message: "Plugin acme:hung failed in beforeBind: did not finish within 0.05 s",
  });
});
