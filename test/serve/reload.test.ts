/**
 * `serve --development --reload` on a copy of examples/iris, a request loop
 * running: an edit shows in the answers with no failed request (on Node, Bun
 * and Deno as the supervisor's runtime), ten files saved at once are one
 * reload, ignored files reload nothing, a broken runner keeps the old workers
 * serving with the error shown once, and manifest edits resize the pool or,
 * when invalid, change nothing. Save-to-answer times are printed, not asserted.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, run, RUNTIMES, serve, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import {
  adminEvents,
  edit,
  irisCopy,
  newStateDir,
  occurrences,
  removeCopies,
  requestLoop,
  waitCount,
} from "./_reload-service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(async () => {
  await cleanup();
  removeCopies();
}, CLEANUP_MS);

const RELOADING = /Reloading: /;
const DONE = /Reload done in \d+ ms/;
const VERSION_LINE = 'c.header("x-bento-worker-pid", String(pid));';

/** Add (or bump) the `x-iris-version` header of every API answer. */
function bumpVersion(dir: string, version: number): void {
  if (version === 2) edit(dir, "_api-app.ts", VERSION_LINE, `${VERSION_LINE}\n    c.header("x-iris-version", "2");`);
  else edit(dir, "_api-app.ts", `"x-iris-version", "${version - 1}"`, `"x-iris-version", "${version}"`);
}

for (const runtime of RUNTIMES) {
  test(
    `${runtime}: an edit of the API app answers with the new behaviour, no request failing, reported on the event stream`,
    async () => {
      const dir = irisCopy();
      const stateDir = newStateDir();
      const s = await serve(runtime, dir, ["--development", "--reload"], { BENTO_STATE_DIR: stateDir });
      expect(s.output()).toMatch(
        /Starting development HTTP BentoServer from "iris_classifier" listening on http:\/\/127\.0\.0\.1:\d+/,
      );
      expect(s.output()).toMatch(/\[DEBUG\]/);
      await s.waitForOutput(
        /iris api worker 1 \(pid \d+\) ready[^]*iris runner worker 1|iris runner worker 1 \(pid \d+\) ready[^]*iris api worker 1/,
      );
      expect(occurrences(s.output(), /iris runner worker \d+ \(pid \d+\) ready/)).toBe(1); // one worker per pool
      expect(occurrences(s.output(), /iris api worker \d+ \(pid \d+\) ready/)).toBe(1);
      // The API worker reads the supervisor's stdin; a runner reads /dev/null.
      const pidOf = (what: string) => s.output().match(new RegExp(`iris ${what} worker 1 \\(pid (\\d+)\\)`))![1];
      expect(readlinkSync(`/proc/${pidOf("api")}/fd/0`)).toBe(readlinkSync(`/proc/${s.pid}/fd/0`));
      expect(readlinkSync(`/proc/${pidOf("runner")}/fd/0`)).toBe("/dev/null");
      const loop = requestLoop(s);
      await waitCount(() => loop.answered, 5);
      const times: number[] = [];
      const edits = runtime === "node" ? [2, 3, 4] : [2];
      for (const version of edits) {
        const savedAt = Date.now();
        bumpVersion(dir, version);
        expect(await waitCount(() => (loop.firstSeen.has(String(version)) ? 1 : 0), 1, 30_000)).toBe(true);
        times.push(loop.firstSeen.get(String(version))! - savedAt);
        expect(await waitCount(() => occurrences(s.output(), DONE), version - 1)).toBe(true);
      }
      await loop.stop();
      console.log(
        `${runtime}: save → new answer ${times.join(", ")} ms; ${loop.answered} answers, ${loop.failures} failed`,
      );
      expect(loop.failed).toEqual([]);
      expect(s.output()).toMatch(/Reloading: _api-app\.ts changed/);
      const events = await adminEvents(stateDir, s.pid, (e) => e.type === "reload" && e.phase === "done");
      // The API app is the API pool's code only: the runners keep their workers.
      const restarted = (all: typeof events) =>
        all.filter((e) => e.type === "restart" && e.phase === "done").map((e) => e.pool);
      expect(restarted(events)).toEqual(["api_server"]);
      // Code both pools import: every pool rolls, the runners' replacements take over first.
      edit(dir, "_validate.ts", "export const MAX_ROWS", "// edited\nexport const MAX_ROWS");
      const second = await adminEvents(
        stateDir,
        s.pid,
        (e) => e.type === "reload" && e.phase === "done" && (e.files ?? []).includes("_validate.ts"),
        30_000,
      );
      const begins = second.flatMap((e, i) => (e.type === "reload" && e.phase === "begin" ? [i] : []));
      const last = second.slice(begins.at(-1));
      expect(restarted(last)).toEqual(["runner:iris", "api_server"]);
      expect(await s.stop()).toBe(0);
    },
    120_000,
  );
}

test(
  "ten files saved at once are one reload; files under node_modules, .git or an ignored pattern reload nothing",
  async () => {
    const dir = irisCopy();
    const s = await serve("node", dir, ["--development", "--reload", "--reload-exclude", "notes/,*.tmp"]);
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, `_extra-${i}.ts`), `export const n = ${i};\n`);
    expect(await waitCount(() => occurrences(s.output(), DONE), 1)).toBe(true);
    await sleep(1_000); // a second batch would have started by now
    expect(occurrences(s.output(), RELOADING)).toBe(1);
    expect(s.output()).toMatch(/Reloading: 10 files \(_extra-0\.ts, /);

    mkdirSync(join(dir, "notes"));
    mkdirSync(join(dir, "__pycache__"));
    const ignored = [
      "node_modules/touched.js",
      ".git/HEAD",
      "data/raw.csv",
      "server.log",
      "notes/todo.md",
      "a.tmp",
      "x.pyc",
      "__pycache__/m.py",
    ];
    for (const f of ignored) writeFileSync(join(dir, f), "changed\n");
    await sleep(1_000);
    // The watch is live: a file that counts reloads, and its batch names it alone.
    writeFileSync(join(dir, "_api-app.ts"), `${await Bun.file(join(dir, "_api-app.ts")).text()}\n`);
    expect(await waitCount(() => occurrences(s.output(), DONE), 2)).toBe(true);
    expect(occurrences(s.output(), RELOADING)).toBe(2);
    expect(s.output()).toMatch(/Reloading: _api-app\.ts changed/);
    expect(await s.stop()).toBe(0);
  },
  120_000,
);

test(
  "a syntax error saved into the runner: the old workers keep answering [2], the error is shown once, the fix reloads",
  async () => {
    const dir = irisCopy();
    const s = await serve("node", dir, ["--development", "--reload"]);
    const loop = requestLoop(s);
    await waitCount(() => loop.answered, 5);
    edit(dir, "runner.ts", "const model = trainIrisModel();", "const model = trainIrisModel(;");
    expect(await s.waitForOutput(/Reload stopped: the running workers keep serving/, 30_000)).toBeDefined();
    const answeredThen = loop.answered;
    await sleep(2_000); // nothing retries the broken file meanwhile
    expect(loop.answered).toBeGreaterThan(answeredThen);
    expect(occurrences(s.output(), /trainIrisModel\(;/)).toBeLessThanOrEqual(1);
    expect(occurrences(s.output(), /ERROR: Unexpected ";"/)).toBe(1);
    edit(dir, "runner.ts", "const model = trainIrisModel(;", "const model = trainIrisModel();");
    expect(await waitCount(() => occurrences(s.output(), DONE), 1)).toBe(true);
    expect(occurrences(s.output(), /iris runner worker 1 \(pid \d+\) ready/)).toBe(2);
    // Code both pools import: the runners roll first, fail, and the API pool starts nothing.
    edit(dir, "_validate.ts", "export const MAX_ROWS = 10_000;", "export const MAX_ROWS = 10_000 +;");
    expect(await waitCount(() => occurrences(s.output(), /Reload stopped/), 2)).toBe(true);
    await sleep(1_000);
    expect(occurrences(s.output(), /ERROR: Unexpected ";"/)).toBe(2);
    edit(dir, "_validate.ts", "export const MAX_ROWS = 10_000 +;", "export const MAX_ROWS = 10_000;");
    expect(await waitCount(() => occurrences(s.output(), DONE), 2)).toBe(true);
    await loop.stop();
    expect(loop.failed).toEqual([]);
    expect(await s.stop()).toBe(0);
  },
  120_000,
);

// The manifest module is loaded again in the supervisor's runtime: each has its own module cache.
for (const runtime of RUNTIMES) {
  test(
    `${runtime}: a manifest edit to workers: 3 resizes the pool; an invalid manifest edit is reported and changes nothing`,
    async () => {
      await manifestEdits(runtime);
    },
    120_000,
  );
}

async function manifestEdits(runtime: (typeof RUNTIMES)[number]): Promise<void> {
  const dir = irisCopy();
  const s = await serve(runtime, dir, ["--development", "--reload"]);
  const loop = requestLoop(s);
  edit(
    dir,
    "bento.config.ts",
    'iris: { command: { module: "./runner.ts" }, workers: 2 }',
    'iris: { command: { module: "./runner.ts" }, workers: 3 }',
  );
  expect(await waitCount(() => occurrences(s.output(), DONE), 1)).toBe(true);
  const ready = () => new Set([...s.output().matchAll(/\[runner:iris:(\d)\] iris runner worker/g)].map((m) => m[1]));
  expect(await waitCount(() => ready().size, 3, 10_000)).toBe(true);
  // A changed command: the API pool rolls onto it.
  edit(
    dir,
    "bento.config.ts",
    'command: { module: "./api.ts" }',
    'command: { module: "./api.ts", args: ["--flavour", "v2"] }',
  );
  expect(await waitCount(() => occurrences(s.output(), DONE), 2)).toBe(true);
  const answer = await fetch(`http://127.0.0.1:${s.port}/classify`, { method: "POST", body: "[[5.9,3.0,5.1,1.8]]" });
  expect(readFileSync(`/proc/${answer.headers.get("x-bento-worker-pid")}/cmdline`, "utf8")).toContain("--flavour\0v2");
  const spawnsBefore = occurrences(s.output(), /worker \d+ started \(pid/);
  edit(dir, "bento.config.ts", "workers: 3", 'workers: "three"');
  expect(
    await s.waitForOutput(
      /bento\.config\.ts was not applied: .*\n\s*runners\.iris\.workers: expected a whole number/,
      30_000,
    ),
  ).toBeDefined();
  await sleep(1_000);
  expect(occurrences(s.output(), /worker \d+ started \(pid/)).toBe(spawnsBefore);
  expect(s.output()).not.toMatch(/Stopped|gave up/);
  await loop.stop();
  expect(loop.failed).toEqual([]);
  expect(await s.stop()).toBe(0);
}

test("development mode listens on 127.0.0.1 unless a host is given; the start line says development", async () => {
  const s = run("node", ["serve", "examples/iris", "--development", "--port", "0", "--no-admin"]);
  expect(
    await s.waitForOutput(
      /Starting development HTTP BentoServer from "iris_classifier" listening on http:\/\/127\.0\.0\.1:\d+ /,
    ),
  ).toBeDefined();
  expect(s.output()).not.toMatch(/Reload on/);
  expect(await s.stop()).toBe(0);
}, 60_000);

/** The pools the reload of a batch naming `file` restarted (read from the admin event stream). */
async function restartedBy(stateDir: string, pid: number, file: string): Promise<string[]> {
  const events = await adminEvents(
    stateDir,
    pid,
    (e) => e.type === "reload" && e.phase === "done" && (e.files ?? []).includes(file),
    30_000,
  );
  const begins = events.flatMap((e, i) => (e.type === "reload" && e.phase === "begin" ? [i] : []));
  return events.slice(begins.at(-1)).filter((e) => e.type === "restart" && e.phase === "done").map((e) => e.pool!);
}

test("sed -i on the runner's module (its sedXXXXXX temp file beside it) reloads only the runner pool", async () => {
  const dir = irisCopy();
  const stateDir = newStateDir();
  const s = await serve("node", dir, ["--development", "--reload"], { BENTO_STATE_DIR: stateDir });
  execFileSync(
    "sed",
    ["-i", "s|const model = trainIrisModel();|const model = trainIrisModel(); // sed|", "runner.ts"],
    {
      cwd: dir,
    },
  );
  expect(await restartedBy(stateDir, s.pid, "runner.ts")).toEqual(["runner:iris"]);
  expect(s.output()).toMatch(/Reloading: runner\.ts changed/);
  expect(s.output()).not.toMatch(/Reloading: .*sed[A-Za-z0-9]{6}/);
  expect(await s.stop()).toBe(0);
}, 120_000);

test(
  "a runner declaring reload.include is restarted by those files only: a TypeScript edit it imports spares it",
  async () => {
    const dir = irisCopy();
    edit(
      dir,
      "bento.config.ts",
      'iris: { command: { module: "./runner.ts" }, workers: 2 }',
      'iris: { command: { module: "./runner.ts" }, workers: 2, reload: { include: ["*.py", "runner.ts"] } }',
    );
    const stateDir = newStateDir();
    const s = await serve("node", dir, ["--development", "--reload"], { BENTO_STATE_DIR: stateDir });
    // Imported by both pools: only the API, which declares nothing, rolls.
    edit(dir, "_validate.ts", "export const MAX_ROWS", "// edited\nexport const MAX_ROWS");
    expect(await restartedBy(stateDir, s.pid, "_validate.ts")).toEqual(["api_server"]);
    // A file the runner declares: the runner alone, though no module imports it.
    writeFileSync(join(dir, "weights.py"), "W = 1\n");
    expect(await restartedBy(stateDir, s.pid, "weights.py")).toEqual(["runner:iris"]);
    expect(await s.stop()).toBe(0);
  },
  120_000,
);
