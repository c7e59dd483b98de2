/** What a reload does, from what changed (pure): rolls, resizes, new and removed pools, notes. */
import { expect, test } from "bun:test";
import { planReload } from "../../src/core/reload-plan.ts";
import type { LaunchSpec, WatcherSpec } from "../../src/core/types.ts";

function pool(name: string, role: WatcherSpec["role"], workers: number, module = `/svc/${name}.ts`): WatcherSpec {
  return {
    name,
    role,
    workers,
    command: { kind: "module", module, args: [] },
    env: { BENTO_POOL: name },
    workerEnv: [],
    cwd: "/svc",
    sockets: [name],
    respawn: true,
    gracefulTimeout: 30,
    priority: role === "runner" ? 0 : 10,
    keepStdin: false,
  };
}

function spec(watchers: readonly WatcherSpec[], port = 3000): LaunchSpec {
  return {
    command: "serve",
    service: "s",
    runDir: "/tmp/run",
    vars: { port: String(port) },
    publicSocket: "api",
    sockets: [{ kind: "tcp", name: "api", host: "0.0.0.0", port, backlog: 2048 }],
    watchers,
  };
}

const base = spec([pool("api_server", "api", 2), pool("runner:a", "runner", 2)]);
const targets = { api_server: 2, "runner:a": 2 };

test("code changes roll every pool, runners first; nothing else changes", () => {
  const plan = planReload({ previous: base, targets, codeChanged: true });
  expect(plan.changes).toEqual([{ kind: "roll", pool: "runner:a" }, { kind: "roll", pool: "api_server" }]);
  expect(plan.manifestChanged).toBe(false);
  expect(plan.notes).toEqual([]);
});

test("code changes roll only the pools they concern when told", () => {
  const plan = planReload({ previous: base, targets, codeChanged: true, concerned: new Set(["api_server"]) });
  expect(plan.changes).toEqual([{ kind: "roll", pool: "api_server" }]);
});

test("a manifest `workers` edit resizes; a pool keeps its current size (dev mode's 1, an admin scale) otherwise", () => {
  const next = spec([pool("api_server", "api", 2), pool("runner:a", "runner", 3)]);
  const plan = planReload({ previous: base, next, targets: { api_server: 1, "runner:a": 1 }, codeChanged: false });
  expect(plan.changes).toEqual([{ kind: "scale", pool: "runner:a", workers: 3 }]);
  expect(plan.spec.watchers.map((w) => [w.name, w.workers])).toEqual([["api_server", 1], ["runner:a", 3]]);
  expect(
    planReload({ previous: base, next: base, targets: { api_server: 5, "runner:a": 1 }, codeChanged: false }).changes,
  ).toEqual([]);
});

test("a changed command rolls that pool only", () => {
  const next = spec([pool("api_server", "api", 2), pool("runner:a", "runner", 2, "/svc/other.ts")]);
  expect(planReload({ previous: base, next, targets, codeChanged: false }).changes).toEqual([{
    kind: "roll",
    pool: "runner:a",
  }]);
});

test("a new runner starts before the API rolls (its runner map changes); a removed one stops last", () => {
  const added = spec([pool("api_server", "api", 2), pool("runner:a", "runner", 2), pool("runner:b", "runner", 1)]);
  expect(planReload({ previous: base, next: added, targets, codeChanged: false }).changes)
    .toEqual([{ kind: "add", pool: "runner:b" }, { kind: "roll", pool: "api_server" }]);
  const removed = spec([pool("api_server", "api", 2)]);
  expect(planReload({ previous: base, next: removed, targets, codeChanged: false }).changes)
    .toEqual([{ kind: "roll", pool: "api_server" }, { kind: "remove", pool: "runner:a" }]);
});

test("a changed public socket cannot be applied while serving: it is a note", () => {
  const plan = planReload({ previous: base, next: spec(base.watchers, 4000), targets, codeChanged: false });
  expect(plan.notes).toEqual([
    "the API socket (serve.host, serve.port or serve.backlog) changed: restart serve to apply it",
  ]);
  // {port} changed too: every pool's placeholders do, so every pool rolls.
  expect(plan.changes.map((c) => c.kind)).toEqual(["roll", "roll"]);
});

test("the same environment listed in another order is no change (Deno lists it in no fixed order)", () => {
  const reordered = spec(base.watchers.map((w) => ({ ...w, env: { B: "2", A: "1", ...w.env } })));
  const again = spec(base.watchers.map((w) => ({ ...w, env: { ...w.env, A: "1", B: "2" } })));
  expect(planReload({ previous: reordered, next: again, targets, codeChanged: false }).changes).toEqual([]);
});
