/**
 * Issue 19, item 3: a worker's escaped processes (`setsid`, outside its process
 * group) go when that worker goes (rolling restart, scale-down, crash), not
 * only at service stop.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { alive, cleanup, CLEANUP_MS, RUNTIMES, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { ESCAPE_SERVICE, escapees, GRACE_S, instanceOf, SWEEP_MS, until } from "../_helpers/escapees.ts";
import { cleanupServices, newStateDir, runCli } from "../admin/_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(async () => {
  cleanupServices();
  await cleanup();
}, CLEANUP_MS);

async function workerPids(env: Record<string, string>): Promise<number[]> {
  const status = await runCli(["status", "--json"], env);
  expect(status.code).toBe(0);
  const pools = JSON.parse(status.stdout).pools as { workers: { pid: number }[] }[];
  return pools.flatMap((p) => p.workers.map((w) => w.pid));
}

test.each([...RUNTIMES])(
  "issue 19 item 3: on %s, a worker's escaped processes go with it (two rolling restarts and a scale-down leave one; a killed worker's goes)",
  async (runtime) => {
    const env = { BENTO_STATE_DIR: newStateDir() };
    const s = await serve(runtime, ESCAPE_SERVICE, ["--timeout-graceful-shutdown", String(GRACE_S)], env);
    const instance = instanceOf(s.pid)!;
    expect(instance).toBeDefined();
    expect(await until(SWEEP_MS, () => escapees(instance).length, (n) => n === 2)).toBe(2);

    for (let i = 0; i < 2; i++) expect((await runCli(["restart", "api_server"], env)).code).toBe(0);
    expect((await runCli(["scale", "api_server", "1"], env)).code).toBe(0);
    const [live] = await workerPids(env);
    // Exactly one remains, and it is the live worker's (its parent: `sh` exec'd into `sleep 100001`).
    const left = await until(SWEEP_MS, () => escapees(instance), (e) => e.length === 1 && e[0]!.ppid === live);
    expect(left.map((e) => e.ppid)).toEqual([live!]);

    // A crash: the killed worker's escapee goes, its replacement's comes.
    process.kill(live!, "SIGKILL");
    const after = await until(
      SWEEP_MS,
      () => escapees(instance),
      (e) => e.length === 1 && e[0]!.pid !== left[0]!.pid,
    );
    // Killed by the sweep that follows the exit (its SIGKILL may still be on its way when the list is read).
    expect(await until(SWEEP_MS, () => alive(left[0]!.pid), (a) => !a)).toBe(false);
    expect(after).toHaveLength(1);
    expect(await s.stop("SIGINT")).toBe(0);
  },
  120_000,
);
