/**
 * `serve --reload` against a hostile tree (issue 19, items 9, 10, 11 and 14),
 * on a service of `sleep` pools in a temp dir: a symbolic link made after start
 * is not followed and a large tree moved in does not hold up the admin API; a
 * manifest that calls process.exit() is an invalid manifest; why a reload
 * stopped is said at INFO/WARN level; a huge change set is summarised on the
 * event stream. Latency and memory are compared with the same test's own
 * baseline, never with a fixed duration.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, run, RUNTIMES, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { occurrences, waitCount } from "./_reload-service.ts";
import {
  fileTree,
  healthLatencies,
  inotifyWatches,
  instanceOf,
  removeTempDirs,
  rssKb,
  SLEEP_MANIFEST,
  sleepService,
  tempDir,
} from "./_hostile-reload.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(async () => {
  await cleanup();
  removeTempDirs();
}, CLEANUP_MS);

const DONE = /Reload done in \d+ ms/;

// Node and Bun: node:fs watch reports the link made, which was followed; Deno's watch does not report it.
for (const runtime of ["node", "bun"] as const) {
  test(
    `issue 19 item 9 (${runtime}): a symlink to / made after start is not followed, a large tree moved in keeps /healthz answering`,
    async () => {
      const dir = sleepService();
      const stateDir = tempDir("bk-hostile-state-");
      const s = await serve(runtime, dir, ["--reload"], { BENTO_STATE_DIR: stateDir });
      expect(await s.waitForOutput(/Reload on: watching/)).toBeDefined();
      expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
      const { url } = instanceOf(stateDir, s.pid);
      await healthLatencies(url, 1, 10_000); // the first request loads the routes
      const baseline = await healthLatencies(url, 20, 10_000);
      const watchesBefore = inotifyWatches(s.pid);

      const outside = tempDir("bk-outside-");
      mkdirSync(join(outside, "deep"));
      const tree = fileTree(300, 5); // 301 directories, 1 500 files
      symlinkSync("/", join(dir, "rootlink"));
      symlinkSync(outside, join(dir, "outlink"));
      renameSync(tree, join(dir, "moved"));
      const during = await healthLatencies(url, 40, 10_000);
      // The tree's 1 500 files are reloaded for (in one batch or more, the links maybe with them).
      const reported = await eventsReply(url, instanceOf(stateDir, s.pid).token, 0, 1_500, 60_000);
      expect(reported.named).toBeGreaterThanOrEqual(1_500);
      const settled = () => (occurrences(s.output(), DONE) >= occurrences(s.output(), /Reloading: /) ? 1 : 0);
      expect(await waitCount(settled, 1)).toBe(true); // every reload begun has its done line
      const slowest = (t: number[]) => Math.round(Math.max(...t));
      console.log(`${runtime}: /healthz slowest ${slowest(baseline)} ms before, ${slowest(during)} ms during`);
      // Walking / synchronously held every request for seconds; a generous factor of the baseline.
      expect(slowest(during)).toBeLessThan(20 * slowest(baseline) + 100);
      // The links are files here: the moved tree's 301 directories are all that is watched on top.
      expect(inotifyWatches(s.pid)).toBeLessThanOrEqual(watchesBefore + 301);

      // Changes behind the links reload nothing; a change in the service does, alone.
      const reloads = occurrences(s.output(), DONE);
      writeFileSync(join(outside, "deep", "x.txt"), "x");
      appendFileSync("/tmp/.bk-hostile-touch", "x");
      writeFileSync(join(dir, "marker.txt"), "x");
      expect(await waitCount(() => occurrences(s.output(), DONE), reloads + 1)).toBe(true);
      expect(occurrences(s.output(), /Reloading: /)).toBe(reloads + 1);
      expect([...s.output().matchAll(/Reloading: .*/g)].at(-1)?.[0]).toBe("Reloading: marker.txt changed");
      expect(await s.stop()).toBe(0);
    },
    120_000,
  );
}

const EXIT_MANIFEST = (check: string) => `${check}\nexport default ${JSON.stringify(SLEEP_MANIFEST)};\n`;

for (const runtime of RUNTIMES) {
  test(
    `issue 19 item 10 (${runtime}): process.exit() in the manifest is an invalid manifest: exit 2 at start, the workers kept on reload`,
    async () => {
      const check = "if (!process.env.BK_TEST_MUST_BE_SET) process.exit(1);";
      const refused = sleepService({ "bento.config.ts": EXIT_MANIFEST(check) });
      const start = run(runtime, ["serve", refused, "--port", "0", "--no-admin"]);
      expect(await start.exited).toBe(2);
      expect(start.output()).toMatch(/bento\.config\.ts has .*\n.*it called process\.exit\(1\) while loading/);

      const dir = sleepService({ "bento.config.ts": EXIT_MANIFEST("") });
      const stateDir = tempDir("bk-hostile-state-");
      const s = await serve(runtime, dir, ["--reload"], { BENTO_STATE_DIR: stateDir });
      expect(await s.waitForOutput(/Reload on: watching/)).toBeDefined();
      const workers = s.descendants().sort();
      writeFileSync(join(dir, "bento.config.ts"), EXIT_MANIFEST(check));
      expect(
        await s.waitForOutput(
          /bento\.config\.ts was not applied: .*\n.*it called process\.exit\(1\) while loading/,
          30_000,
        ),
      ).toBeDefined();
      expect(s.child.exitCode).toBeNull();
      expect(s.descendants().sort()).toEqual(workers);
      expect(existsSync(join(stateDir, `${s.pid}.json`))).toBe(true);
      // Still steered: a valid manifest applies, and a stop is graceful.
      writeFileSync(join(dir, "bento.config.ts"), EXIT_MANIFEST("// fixed"));
      expect(await waitCount(() => occurrences(s.output(), DONE), 1)).toBe(true);
      expect(await s.stop()).toBe(0);
      expect(s.output()).toMatch(/Stopped/);
      expect(existsSync(join(stateDir, `${s.pid}.json`))).toBe(false);
    },
    120_000,
  );
}

test(
  "issue 19 item 11: without --development a stopped reload says why at once (a pool busy with a restart)",
  async () => {
    const slow = {
      ...SLEEP_MANIFEST,
      runners: { r: { command: ["sleep", "100001"], workers: 1, ready: { after: 2 } } },
    };
    const dir = sleepService({ "bento.config.json": JSON.stringify(slow) });
    const stateDir = tempDir("bk-hostile-state-");
    const s = await serve("node", dir, ["--reload"], { BENTO_STATE_DIR: stateDir });
    expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
    const { url, token } = instanceOf(stateDir, s.pid);
    const runnerPids = () => s.descendants().filter((pid) => cmdline(pid) === "sleep\u0000100001\u0000");
    expect(runnerPids()).toHaveLength(1);
    const restart = fetch(`${url}/v1/pools/runner:r/restart`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await waitCount(() => runnerPids().length, 2, 10_000)).toBe(true); // the replacement is starting
    writeFileSync(join(dir, "notes.txt"), "x");
    const line = await s.waitForOutput(/Reload stopped: .*/, 10_000);
    expect(line?.[0]).toMatch(/Pool runner:r is busy with a restart/);
    expect(s.output()).not.toMatch(/\[DEBUG\]/);
    expect((await restart).status).toBe(200);
    expect(await s.stop()).toBe(0);
  },
  60_000,
);

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/**
 * Bytes of /v1/events replayed from id 0 until the `reload done` events with an id above `after` name
 * `files` files in all (a burst may be gathered into more than one reload); the longest list one held.
 */
async function eventsReply(url: string, token: string, after: number, files: number, ms: number) {
  const res = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, "last-event-id": "0" },
    signal: AbortSignal.timeout(ms),
  });
  const reader = res.body!.getReader();
  let bytes = 0;
  let text = "";
  let last = { id: after, listed: 0 };
  let named = 0;
  try {
    for (let done = false; !done;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      bytes += chunk.value.byteLength;
      text += new TextDecoder().decode(chunk.value);
      const lines = text.split("\n");
      text = lines.pop()!;
      for (const line of lines.filter((l) => l.startsWith("data: "))) {
        const e = JSON.parse(line.slice(6));
        if (e.type !== "reload" || e.phase !== "done" || e.id <= after) continue;
        named += e.files.length + (e.moreFiles ?? 0);
        last = { id: e.id, listed: Math.max(last.listed, e.files.length) };
        done = named >= files;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { bytes, last, named };
}

test(
  "issue 19 item 14: a huge change set is summarised on the event stream; replies and memory stay near the small one's",
  async () => {
    const dir = sleepService();
    const stateDir = tempDir("bk-hostile-state-");
    const s = await serve("node", dir, ["--reload"], { BENTO_STATE_DIR: stateDir });
    expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
    const { url, token } = instanceOf(stateDir, s.pid);
    const rssStart = rssKb(s.pid);
    renameSync(fileTree(4, 50), join(dir, "small")); // 200 files
    expect(await waitCount(() => occurrences(s.output(), DONE), 1)).toBe(true);
    const small = await eventsReply(url, token, 0, 200, 30_000);
    const rssSmall = rssKb(s.pid);
    renameSync(fileTree(200, 100), join(dir, "big")); // 20 000 files
    const big = await eventsReply(url, token, small.last.id, 20_000, 60_000);
    const rssBig = rssKb(s.pid);
    console.log(
      `events reply ${small.bytes} bytes after 200 files, ${big.bytes} after 20 000 more; ` +
        `RSS ${rssStart} → ${rssSmall} → ${rssBig} kB`,
    );
    expect(big.named).toBe(20_000);
    expect(big.last.listed).toBeLessThan(100);
    // The second reply holds the first one's events and as many again: not 100 times the files.
    expect(big.bytes).toBeLessThan(4 * small.bytes);
    // Generous: 20 000 paths held in events took megabytes; the walk's transient arrays are allowed for.
    expect(rssBig - rssSmall).toBeLessThan(64 * 1024 + 20 * Math.max(0, rssSmall - rssStart));
    expect(await s.stop()).toBe(0);
  },
  120_000,
);
