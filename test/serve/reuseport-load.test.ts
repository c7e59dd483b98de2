// Bun and Deno pools on a reserved SO_REUSEPORT port, under wrk -t2 -c64: a
// worker killed with SIGKILL is replaced by one on the same runtime, and a
// rolling restart (SIGHUP) replaces every worker; the failed requests of
// each (wrk's socket errors and non-2xx answers) are printed. A kill -9
// loses the requests on the dead worker's connections, as with Node; the
// rolling restart drains, so nearly none fail (bench/RESULTS.md has figures).
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, ROOT, serve, type Served, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import { type LoadResult, startLoad } from "../_helpers/load.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

function failures(r: LoadResult) {
  return { requests: r.requests, failed: r.socketErrors + r.non2xx };
}

/** Worker id → pid, from the ready lines the supervisor relayed (the latest per id). */
function workers(s: Served): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of s.output().matchAll(/\[api_server:(\d+)\] hello worker \d+ \(pid (\d+)\) ready/g)) {
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

async function until(check: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
  return check();
}

const migrate = (() => {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim();
  } catch {
    return "unknown";
  }
})();

for (const runtime of ["bun", "deno"] as const) {
  test(`${runtime} pool under wrk -c64: kill -9 of a worker, then a rolling restart`, async () => {
    const s = await serve(runtime, "bench/hello-service", ["--no-access-log", "--no-admin"]);
    const own = realpathSync(join(ROOT, "node_modules", ".bin", runtime));
    expect(await until(() => workers(s).size === 2)).toBe(true);
    const first = workers(s);

    // No pause between requests: the most requests in flight when a worker dies or drains.
    const killLoad = await startLoad(`http://127.0.0.1:${s.port}/`, { timeoutS: 5, paceMs: 0 });
    process.kill(first.get(1)!, "SIGKILL");
    expect(await until(() => workers(s).get(1) !== first.get(1))).toBe(true);
    expect(readlinkSync(`/proc/${workers(s).get(1)}/exe`)).toBe(own);
    const killed = failures(await killLoad.stop());

    const before = new Set(workers(s).values());
    const rollLoad = await startLoad(`http://127.0.0.1:${s.port}/`, { timeoutS: 5, paceMs: 0 });
    process.kill(s.pid, "SIGHUP");
    expect(await until(() => [...workers(s).values()].every((pid) => !before.has(pid)))).toBe(true);
    const rolled = failures(await rollLoad.stop());
    console.log(
      `${runtime} (tcp_migrate_req=${migrate}): kill -9 cost ${killed.failed} of ${killed.requests} requests, ` +
        `the rolling restart ${rolled.failed} of ${rolled.requests}`,
    );
    expect(rolled.requests).toBeGreaterThan(0);
    // With the drain none failed in every run here; without it (stop at once) 8 to 79 did.
    expect(rolled.failed).toBeLessThanOrEqual(2);
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await s.leftovers()).toEqual([]);
  }, 60_000);
}
