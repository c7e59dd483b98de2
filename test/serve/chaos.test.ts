/**
 * Chaos soak, short form (issue 8 item 7): examples/iris under the node
 * supervisor, a paced POST /classify load, and ~8 s of `kill -9` of random
 * workers of both pools every 0.2-1 s, within the crash-loop back-off (see
 * test/_helpers/chaos.ts for the schedule). The long form (60 s) is bench/chaos.ts.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminFrom, chaosSoak, summarize } from "../_helpers/chaos.ts";
import { cleanup, CLEANUP_MS, existsSync, runDirOf, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const stateDirs: string[] = [];
afterEach(async () => {
  try {
    await cleanup();
  } finally {
    for (const d of stateDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}, CLEANUP_MS);

test(
  "kill -9 of random API and runner workers under load: the service keeps serving, only requests in flight on a killed worker fail, pools back to full size, nothing leaks",
  async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "bento-chaos-state-"));
    stateDirs.push(stateDir);
    const token = `chaos-${crypto.randomUUID()}`;
    const s = await serve("node", "examples/iris", [], { BENTO_ADMIN_TOKEN: token, BENTO_STATE_DIR: stateDir });
    const admin = adminFrom(s.output(), token);
    expect(admin).toBeDefined();

    const r = await chaosSoak(s.pid, s.port, admin!, {
      warmupMs: 2000,
      chaosMs: 8_000,
      log: (l) => console.log(`[chaos] ${l}`),
    });
    for (const line of summarize(r)) console.log(`[chaos] ${line}`);

    // The supervisor never gave up: the schedule stays within the back-off.
    expect(s.output()).not.toContain("gave up");
    // Both pools were hit, several times.
    expect(r.kills.filter((k) => k.pool === "api_server").length).toBeGreaterThan(0);
    expect(r.kills.filter((k) => k.pool === "runner:iris").length).toBeGreaterThan(0);
    expect(r.kills.length).toBeGreaterThanOrEqual(4);
    // The service kept serving: most requests succeeded, after the kills too.
    expect(r.requests.filter((q) => q.ok).length).toBeGreaterThan(r.requests.length / 2);
    const lastKill = Math.max(...r.kills.map((k) => k.t1));
    expect(r.requests.some((q) => q.ok && q.start > lastKill)).toBe(true);
    // Every failure was in flight at the kill of a worker that explains it: a
    // socket error at an API worker's kill, an HTTP error (the API's 502/503/504)
    // at a runner worker's kill. Hence failures <= requests in flight at kills.
    expect(r.unexplained.map((q) => `${q.failure} [${q.start.toFixed(0)}-${q.end.toFixed(0)} ms]`)).toEqual([]);
    expect(r.failed.length).toBeLessThanOrEqual(r.inFlightAtKills);
    // Every pool back to full size, with the same worker ids.
    for (const p of r.poolsAfter) {
      expect(p.ready).toBe(p.target);
      expect(p.workers.map((w) => w.id).sort()).toEqual(
        r.poolsBefore.find((b) => b.name === p.name)!.workers.map((w) => w.id).sort(),
      );
    }
    // No leak in the supervisor: same fds and children before and after, no zombie.
    expect(r.after.fds).toBe(r.before.fds);
    expect(r.after.children).toBe(r.before.children);
    expect(r.after.zombies).toEqual([]);
    // RSS: the 10 % bound is the long form's (bench/chaos.ts); 12 s of a JIT
    // warming up is noisier, so the short form only catches a gross leak.
    expect(r.after.rssKiB).toBeLessThan(r.before.rssKiB * 1.25);

    // SIGTERM: exit 0, nothing left running, no run dir, no instance file.
    const runDir = runDirOf(s.output());
    expect(runDir).toContain("/bento-kit-");
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await s.leftovers()).toEqual([]);
    expect(existsSync(runDir!)).toBe(false);
  },
  60_000,
);
