/**
 * `bento-kit new DIR` from the packed tarball, as a newcomer uses it: in a
 * project that has only `npm install <tarball>`, the scaffold command, then
 * serve (npx, bunx --bun, the README's Deno command) answers on curl, and
 * Ctrl+C leaves nothing; the Python variant under uvicorn; the scaffold's own
 * test passes; a non-empty directory is refused.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAUNCHERS, packInto } from "./_helpers/packed.ts";
import { hasUvicorn, noteSkipped } from "./_helpers/python.ts";
import { alive, descendantsOf, serviceTestMs, sleep } from "./_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let project = "";

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "bento-kit-scaffold-"));
  packInto(project);
}, 120_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
}, 60_000);

/** Every process a test started, killed (group first) even when it failed. */
const started: number[] = [];
afterEach(() => {
  for (const root of started.splice(0)) {
    for (const pid of [-root, ...descendantsOf(root), root]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
});

function scaffold(argv: readonly string[], dir: string, extra: string[] = []) {
  return spawnSync(argv[0]!, [...argv.slice(1), "new", dir, ...extra], { cwd: project, encoding: "utf8" });
}

/** `serve DIR` in a session of its own (a terminal's foreground group); resolves once it listens. */
async function serveDir(argv: readonly string[], dir: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(argv[0]!, [...argv.slice(1), "serve", dir, "--port", "0", "--host", "127.0.0.1", "--no-admin"], {
    cwd: project,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env,
  });
  started.push(child.pid!);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((r) => child.once("exit", r));
  let port = 0;
  // Bounded by start-up (the supervisor, then every worker ready), not by a clock assertion.
  for (let i = 0; i < 600 && !port && child.exitCode === null; i++) {
    port = Number(out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
    await sleep(50);
  }
  return { child, port, exited, out: () => out };
}

/** Ctrl+C (SIGINT to the foreground group); true once the service said it stopped and nothing it started is alive. */
async function ctrlC(s: Awaited<ReturnType<typeof serveDir>>): Promise<number[]> {
  const group = descendantsOf(s.child.pid!);
  process.kill(-s.child.pid!, "SIGINT");
  await s.exited;
  for (let i = 0; i < 100 && group.some(alive); i++) await sleep(50);
  return group.filter(alive);
}

async function classify(port: number, body: string) {
  const res = await fetch(`http://127.0.0.1:${port}/classify`, { method: "POST", body });
  return { status: res.status, body: await res.json() };
}

for (const [label, argv] of LAUNCHERS) {
  test(`${label} new DIR, then ${label} serve DIR answers /classify; Ctrl+C leaves nothing`, async () => {
    const dir = `svc-${label.split(" ")[0]}`;
    const made = scaffold(argv, dir);
    expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: "" });
    expect(made.stdout).toContain(`serve ${dir}`);
    const pkg = JSON.parse(readFileSync(join(project, dir, "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(pkg.dependencies["bento-kit"]).toBe(`^${JSON.parse(readFileSync("package.json", "utf8")).version}`);

    const s = await serveDir(argv, dir);
    expect(s.port, s.out()).toBeGreaterThan(0);
    expect(await classify(s.port, "[[5.9,3.0,5.1,1.8],[5.1,3.5,1.4,0.2]]")).toEqual({
      status: 200,
      body: ["virginica", "setosa"],
    });
    expect((await classify(s.port, "[[1,2]]")).status).toBe(400);
    // The runner pool has 2 workers, the API 1.
    expect(s.out().match(/runner worker \d \(pid \d+\) ready/g)?.length).toBe(2);
    expect(await ctrlC(s)).toEqual([]);
    expect(s.out()).toContain("Stopped: every worker is gone");
  }, 90_000);
}

test(
  'the scaffold with its package.json turned "type": "commonjs" (as npm init -y writes) serves on all three runtimes',
  async () => {
    expect(scaffold(LAUNCHERS[0][1], "cjs").status).toBe(0);
    const pkgFile = join(project, "cjs", "package.json");
    writeFileSync(pkgFile, readFileSync(pkgFile, "utf8").replace('"type": "module"', '"type": "commonjs"'));
    for (const [label, argv] of LAUNCHERS) {
      const s = await serveDir(argv, "cjs");
      expect({ label, port: s.port > 0 }, s.out()).toEqual({ label, port: true });
      expect(await classify(s.port, "[[5.9,3.0,5.1,1.8]]")).toEqual({ status: 200, body: ["virginica"] });
      expect(await ctrlC(s)).toEqual([]);
    }
  },
  180_000,
);

test.skipIf(!hasUvicorn)(
  "new DIR --python: the runner pool is uvicorn on the held socket, behind the TypeScript API",
  async () => {
    const made = scaffold(LAUNCHERS[0][1], "pysvc", ["--python"]);
    expect(made.status).toBe(0);
    expect(readFileSync(join(project, "pysvc", "bento.config.ts"), "utf8")).toContain('"--fd", "{fd}"');
    // Debian's python3 has uvicorn (python3-uvicorn); put it first on PATH.
    const s = await serveDir(LAUNCHERS[0][1], "pysvc", { ...process.env, PATH: `/usr/bin:${process.env.PATH}` });
    expect(s.port, s.out()).toBeGreaterThan(0);
    expect(await classify(s.port, "[[5.9,3.0,5.1,1.8]]")).toEqual({ status: 200, body: ["virginica"] });
    expect((await classify(s.port, "[[1,2]]")).status).toBe(400);
    expect(await ctrlC(s)).toEqual([]);
  },
  90_000,
);
noteSkipped("the --python scaffold test", hasUvicorn ? [] : ["python3-uvicorn"]);

test("the scaffold's own test (npm test: node --test with bento-kit/testing's startService) passes", () => {
  expect(scaffold(LAUNCHERS[0][1], "tested").status).toBe(0);
  const r = spawnSync("npm", ["test"], { cwd: join(project, "tested"), encoding: "utf8", timeout: 80_000 });
  expect({ status: r.status, out: r.status === 0 ? "" : r.stdout + r.stderr }).toEqual({ status: 0, out: "" });
  // node --test's summary: "# pass 1" (Node 22) or "ℹ pass 1" (Node 24).
  expect(r.stdout).toMatch(/(?:#|ℹ) pass 1\b/);
}, 90_000);

test("new refuses a non-empty directory: one line, exit 2, nothing written", () => {
  mkdirSync(join(project, "taken"));
  writeFileSync(join(project, "taken", "notes.txt"), "mine\n");
  const r = scaffold(LAUNCHERS[0][1], "taken");
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toEqual(["Error: taken is not empty: give a new or empty directory"]);
  expect(spawnSync("ls", [join(project, "taken")], { encoding: "utf8" }).stdout.trim()).toBe("notes.txt");
});
