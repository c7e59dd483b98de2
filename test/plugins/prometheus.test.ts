import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { hasPrometheus, noteSkipped } from "../_helpers/python.ts";
import { cleanup, CLEANUP_MS, post, serve, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import { type PrometheusServer, startPrometheus } from "./_prometheus-server.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let prometheus: PrometheusServer | undefined;
afterEach(async () => {
  await prometheus?.stop();
  prometheus = undefined;
  await cleanup();
}, CLEANUP_MS);
noteSkipped("the real Prometheus test", hasPrometheus ? [] : ["prometheus"]);

const BODY = "[[5.9,3.0,5.1,1.8]]";
const COUNTER = 'bentoml_api_server_request_total{endpoint="/classify",http_response_code="200"}';

/** Poll `fn` until it gives something `ok` accepts (deadline 30 s); the last value either way. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(200);
    v = await fn();
  }
  return v;
}

/** Requests in batches of 4 at once (so both API workers get some); answering pid → count. */
async function classify(port: number, n: number, counts = new Map<string, number>()): Promise<Map<string, number>> {
  for (let i = 0; i < n; i += 4) {
    const answers = await Promise.all(Array.from({ length: Math.min(4, n - i) }, () => post(port, "/classify", BODY)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      counts.set(a.pid!, (counts.get(a.pid!) ?? 0) + 1);
    }
  }
  return counts;
}

test.skipIf(!hasPrometheus)(
  "a real Prometheus scraping every second: 50 requests counted, then after kill -9 of an API worker no failed scrape and its series restarts from zero (a counter reset), never a value in between",
  async () => {
    const s = await serve("node", "examples/iris");
    prometheus = await startPrometheus(s.port);
    const p = prometheus;
    const perWorker = async () =>
      new Map((await p.query(COUNTER)).map((r) => [r.metric.worker_id!, Number(r.value![1])]));
    const total = async () => Number((await p.query(`sum(${COUNTER})`))[0]?.value?.[1] ?? NaN);

    const before = await classify(s.port, 50);
    const counted = await until(total, (v) => v === 50);
    if (counted !== 50) console.log(JSON.stringify(await p.query("up")), p.output().slice(-3000));
    expect(counted).toBe(50);
    const pids = new Map(
      [...s.output().matchAll(/\[api_server:(\d)\] iris api worker \d \(pid (\d+)\) ready/g)].map((
        m,
      ) => [m[1]!, m[2]!]),
    );
    const values = await perWorker();
    for (const [id, pid] of pids) expect(values.get(id)).toBe(before.get(pid) ?? 0);
    // The victim: the API worker that served more (at least 25), so a restart from zero is visibly a drop.
    const [victim, victimPid] = [...pids].sort((a, b) => (before.get(b[1]) ?? 0) - (before.get(a[1]) ?? 0))[0]!;
    const other = [...pids.keys()].find((id) => id !== victim)!;
    const preKill = before.get(victimPid)!;

    await sleep(3000); // a few scrapes of the settled counts

    // Kill between two scrapes (Prometheus scrapes each second at a fixed offset), not during one.
    const lastScrape = Number((await p.query("timestamp(up)"))[0]!.value![1]);
    while (
      ((Date.now() / 1000 - lastScrape) % 1 + 1) % 1 < 0.3 || ((Date.now() / 1000 - lastScrape) % 1 + 1) % 1 > 0.6
    ) await sleep(10);
    const killedAt = Date.now() / 1000;
    process.kill(Number(victimPid), "SIGKILL");
    const ready = new RegExp(
      `\\[api_server:${victim}\\] iris api worker ${victim} \\(pid (?!${victimPid}\\))(\\d+)\\) ready`,
    );
    const newPid = (await s.waitForOutput(ready, 30_000))?.[1];
    expect(newPid).toBeDefined();
    await sleep(1500); // at least one scrape sees the replacement before the new requests

    const after = await classify(s.port, 20);
    const fresh = after.get(newPid!) ?? 0;
    const otherTotal = (before.get(pids.get(other)!) ?? 0) + (after.get(pids.get(other)!) ?? 0);
    expect(fresh + (after.get(pids.get(other)!) ?? 0)).toBe(20);
    // Prometheus converges on: the other worker's whole total, the replacement's own count from zero.
    const final = await until(perWorker, (m) => m.get(other) === otherTotal && (m.get(victim) ?? 0) === fresh);
    expect(final.get(other)).toBe(otherTotal);
    expect(final.get(victim) ?? 0).toBe(fresh);
    await sleep(3000); // and a few more scrapes of the final counts
    const window = `${Math.ceil(Date.now() / 1000 - killedAt) + 60}s`;

    // Every raw sample of the victim's series: up to the kill the old process's counts (never above
    // preKill), then the replacement's (never above what it served), one drop between them.
    const raw = (await p.query(`${COUNTER.slice(0, -1)},worker_id="${victim}"}[${window}]`))[0]!.values!;
    const series = raw.map(([t, v]) => [t, Number(v)] as const);
    const oldPart = series.filter(([t]) => t < killedAt).map(([, v]) => v);
    const newPart = series.filter(([t]) => t > killedAt).map(([, v]) => v);
    expect(oldPart.at(-1)).toBe(preKill);
    expect(oldPart.every((v, i) => v <= preKill && (i === 0 || v >= oldPart[i - 1]!))).toBe(true);
    expect(newPart.every((v, i) => v <= fresh && (i === 0 || v >= newPart[i - 1]!))).toBe(true);
    expect(newPart.some((v) => v > fresh && v < preKill)).toBe(false);
    if (fresh > 0) {
      expect(newPart.at(-1)).toBe(fresh);
      // rate() and increase() see a counter reset.
      const resets = await p.query(`resets(${COUNTER.slice(0, -1)},worker_id="${victim}"}[${window}])`);
      expect(Number(resets[0]!.value![1])).toBe(1);
    }
    // No scrape failed: every `up` sample since the first is 1, one a second with none missing.
    const upRaw = (await p.query(`up[${window}]`))[0]!.values!;
    const up = upRaw.map(([, v]) => Number(v));
    expect(up.every((v) => v === 1)).toBe(true);
    expect(upRaw.at(-1)![0]).toBeGreaterThan(killedAt + 1);
    expect(up.length).toBeGreaterThanOrEqual(Math.floor(upRaw.at(-1)![0] - upRaw[0]![0]));
    console.log(
      `prometheus: 50 counted; victim worker ${victim} had ${preKill}, its replacement served ${fresh} of 20; ` +
        `${up.length} scrapes in the last ${window}, all up; victim samples ${
          JSON.stringify(series.map(([, v]) => v))
        }`,
    );
  },
  120_000,
);
