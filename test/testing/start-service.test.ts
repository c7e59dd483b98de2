/**
 * `startService` from bento-kit/testing: a real service in-process, on a free
 * port, ready when it resolves; `stop()` lists what is left (nothing).
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { ok } from "neverthrow";
import { definePlugin } from "bento-kit";
import { startService } from "bento-kit/testing";
import { alive, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

test(
  "examples/iris with a plugin: answers [2] on a free port, the plugin's env reached the workers, stop() leaves nothing",
  async () => {
    const stamp = definePlugin({
      name: "acme:stamp",
      beforeSpawn: (plan) => ok({ ...plan, env: { ...plan.env, ACME_STAMP: `${plan.pool}.${plan.workerId}` } }),
    });
    const svc = (await startService({ dir: "examples/iris", plugins: [stamp], flags: { apiWorkers: "1" } }))
      ._unsafeUnwrap();
    try {
      expect(svc.port).toBeGreaterThan(0);
      const res = await fetch(`${svc.url}/classify`, {
        method: "POST",
        body: "[[5.9,3.0,5.1,1.8]]",
        headers: { "content-type": "application/json" },
      });
      expect(await res.text()).toBe("[2]");
      expect(svc.pools().map((p) => [p.name, p.ready])).toEqual([["runner:iris", 2], ["api_server", 1]]);
      const pids = svc.events.flatMap((e) => (e.type === "spawn" ? [e.pid] : []));
      const { readFileSync } = await import("node:fs");
      const stamps = pids.map((pid) =>
        readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").find((v) => v.startsWith("ACME_STAMP="))
      );
      expect(stamps.sort()).toEqual([
        "ACME_STAMP=api_server.1",
        "ACME_STAMP=runner:iris.1",
        "ACME_STAMP=runner:iris.2",
      ]);
      expect(await svc.stop()).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await svc.stop();
    }
  },
  60_000,
);

test("a service that cannot start is an Err with the reason, and leaves nothing", async () => {
  const started = await startService({ manifest: { name: "x", api: { command: ["/nonexistent/bin", "{fd:api}"] } } });
  expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "PreflightFailed" });
});
