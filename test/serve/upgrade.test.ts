/**
 * Hot upgrade of the supervisor (`bento-kit upgrade`, SIGUSR2) on iris under
 * wrk -t2 -c64 (from 1 s before the upgrade to 1 s after it, instead of the
 * issue's 15 s, for CI time): 0 socket errors,
 * 0 non-2xx, a new supervisor pid, every worker pid changed, the old
 * supervisor gone, `status` answered by the new one, with the manifest's new
 * shape (api workers 2 → 3). Then the failures: an invalid manifest leaves
 * the old one serving (exit 1, one line), and a kill -9 of the old one
 * mid-upgrade leaves the new one serving alone, nothing orphaned.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  alive,
  cleanup,
  CLEANUP_MS,
  descendantsOf,
  readyMsFor,
  ROOT,
  type Runtime,
  serve,
  sleep,
  supervisorArgv,
} from "../_helpers/serve-process.ts";
import { CLASSIFY_SCRIPT, startLoad } from "../_helpers/load.ts";

afterEach(cleanup, CLEANUP_MS);

const dir = mkdtempSync(join(tmpdir(), "bento-upgrade-"));
const STATE = { BENTO_STATE_DIR: join(dir, "state") };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two supervisors' start plus the old one's drain. */
const UPGRADE_MS = readyMsFor(5) * 2;

function manifest(apiWorkers: number | string): void {
  const module = (file: string) => ({ module: join(ROOT, "examples", "iris", file) });
  writeFileSync(
    join(dir, "bento.config.json"),
    JSON.stringify({
      name: "iris_classifier",
      api: { command: module("api.ts"), workers: apiWorkers },
      runners: { iris: { command: module("runner.ts"), workers: 1 } },
    }),
  );
}

/** The CLI on Node: its output so far, and its exit. */
function cliLive(...args: string[]): { out(): string; exited: Promise<number | null>; kill(): void } {
  const [cmd, ...pre] = supervisorArgv("node");
  const child = execFile(cmd!, [...pre, ...args], { env: { ...process.env, ...STATE, NO_COLOR: "1" } });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return { out: () => out, exited: new Promise((resolve) => child.on("exit", resolve)), kill: () => child.kill() };
}

async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const live = cliLive(...args);
  const code = await live.exited;
  return { code, out: live.out() };
}

interface Status {
  service: { pid: number };
  pools: { name: string; workers: { pid: number | null; state: string }[] }[];
}

async function status(): Promise<Status> {
  const r = await cli("status", "--json");
  if (r.code !== 0) throw new Error(r.out);
  return JSON.parse(r.out) as Status;
}

const workerPids = (s: Status) => s.pools.flatMap((p) => p.workers.map((w) => w.pid));

/**
 * POST /classify on a connection of its own: a kept-alive one from an earlier call may lead to a
 * worker of the supervisor killed since (a CI run: ECONNRESET on the first call after the kill -9,
 * on the pooled connection to an old worker, with the new supervisor serving).
 */
function classify(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/classify`, {
    method: "POST",
    body: "[[5.9,3.0,5.1,1.8]]",
    keepalive: false,
    signal: AbortSignal.timeout(20_000),
  });
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(50);
  return check();
}

/** Stop the new supervisor by pid and check that it and everything it started are gone. */
async function stopSuccessor(pid: number): Promise<void> {
  const below = descendantsOf(pid);
  process.kill(pid, "SIGTERM");
  expect(await until(() => !alive(pid) && below.every((p) => !alive(p)), UPGRADE_MS)).toBe(true);
}

const start = (runtime: Runtime) => serve(runtime, dir, ["--no-access-log"], STATE, undefined, readyMsFor(5));

const hasWrk = spawnSync("wrk", ["-v"]).error === undefined;

for (const runtime of ["node", "bun", "deno"] as const) {
  test.skipIf(!hasWrk)(`${runtime}: upgrade under wrk -c64 with the manifest changed: 0 failed requests`, async () => {
    manifest(2);
    const s = await start(runtime);
    const before = await status();
    expect(before.service.pid).toBe(s.pid);
    const load = await startLoad(`http://127.0.0.1:${s.port}/classify`, { script: CLASSIFY_SCRIPT, warmMs: 1000 });
    manifest(3);
    const upgraded = await cli("upgrade");
    expect(upgraded.out).toMatch(new RegExp(`^Upgraded iris_classifier: supervisor pid ${s.pid} → pid \\d+$`, "m"));
    expect(upgraded.code).toBe(0);
    const newPid = Number(/→ pid (\d+)/.exec(upgraded.out)![1]);
    expect(await s.exited).toBe(0);
    const after = await status();
    expect(after.service.pid).toBe(newPid);
    expect(after.pools.find((p) => p.name === "api_server")!.workers).toHaveLength(3);
    expect(workerPids(after).filter((p) => workerPids(before).includes(p))).toEqual([]);
    await sleep(1000);
    const served = await load.stop();
    console.log(
      `${runtime}: upgrade under wrk: ${served.socketErrors} socket errors, ${served.non2xx} non-2xx of ${served.requests}`,
    );
    expect(served.requests).toBeGreaterThan(0);
    expect([served.socketErrors, served.non2xx]).toEqual([0, 0]);
    expect(s.output()).toContain(`Upgrade: supervisor pid ${newPid} is ready`);
    await stopSuccessor(newPid);
    expect(await s.leftovers()).toEqual([]);
  }, UPGRADE_MS * 2);
}

test(
  "failures: an invalid manifest keeps the old supervisor serving; kill -9 of it mid-upgrade leaves the new one",
  async () => {
    manifest(2);
    const s = await start("node");
    const before = workerPids(await status());
    manifest("many");
    const events = cliLive("events", "--since", "0");
    const upgraded = await cli("upgrade");
    expect(upgraded.code).toBe(1);
    expect(upgraded.out.trim().split("\n")).toHaveLength(1);
    expect(upgraded.out).toMatch(/^Error: Upgrade failed: .*workers.*; the running supervisor keeps serving$/m);
    expect((await classify(s.port)).status).toBe(200);
    expect(workerPids(await status())).toEqual(before);
    // The event stream tells the upgrade's steps and the reason.
    const told = /upgrade begin \(new supervisor pid \d+\)\n.*upgrade failed .*: Upgrade failed: .*workers/;
    expect(await until(() => told.test(events.out()), UPGRADE_MS)).toBe(true);
    events.kill();

    // A valid manifest again, SIGUSR2, and a kill -9 of the old supervisor once the new one has started.
    manifest(2);
    const mark = s.output().length;
    process.kill(s.pid, "SIGUSR2");
    const started = /Upgrade: started a new supervisor \(pid (\d+)\)/;
    expect(await until(() => started.test(s.output().slice(mark)), UPGRADE_MS)).toBe(true);
    const begun = started.exec(s.output().slice(mark));
    const newPid = Number(begun![1]);
    process.kill(s.pid, "SIGKILL");
    // The old workers go with their keeper; the new supervisor carries on alone.
    expect(await until(() => before.every((p) => !alive(p!)), UPGRADE_MS)).toBe(true);
    const res = await classify(s.port);
    expect(res.status).toBe(200);
    const after = await status();
    expect(after.service.pid).toBe(newPid);
    expect(workerPids(after)).toContain(Number(res.headers.get("x-bento-worker-pid")));
    await stopSuccessor(newPid);
    expect(await s.leftovers()).toEqual([]);
  },
  UPGRADE_MS * 2,
);
