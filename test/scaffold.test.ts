/**
 * `bento-kit new DIR` from the packed tarball, as a newcomer uses it: in a
 * project that has only `npm install <tarball>`, the scaffold command, then
 * serve (npx, bunx --bun, the README's Deno command) answers on curl, and
 * Ctrl+C leaves nothing; the Python variant under uvicorn; the scaffold's own
 * test passes; a non-empty directory is refused. `npm create bento-kit`
 * (create-bento-kit's tarball), `bun create bento-kit` and `deno run -A
 * npm:create-bento-kit` do what `new` does, on each runtime, with its errors.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { BIN, LAUNCHERS, packInto } from "./_helpers/packed.ts";
import { hasUvicorn, noteSkipped } from "./_helpers/python.ts";
import { alive, descendantsOf, serviceTestMs, sleep } from "./_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let project = "";
/** The two tarballs: bento-kit's (installed in `project`) and create-bento-kit's (installed beside it). */
let bentoKitTgz = "";
let createTgz = "";

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "bento-kit-scaffold-"));
  // Both tarballs, installed together: create-bento-kit's dependency is the installed bento-kit.
  packInto(project, true, true);
  const tarball = (name: string) => join(project, readdirSync(project).find((f) => f.startsWith(`${name}-`))!);
  bentoKitTgz = tarball("bento-kit");
  createTgz = tarball("create-bento-kit");
}, 120_000);

/** The directories with no project that a test ran create-bento-kit in. */
const fresh: string[] = [];

afterAll(() => {
  for (const dir of [project, ...fresh]) rmSync(dir, { recursive: true, force: true });
  // `npm exec --package=<tarball>` installed into npm's own cache (_npx/<hash>): remove that install.
  const npx = join(execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim(), "_npx");
  for (const dir of existsSync(npx) ? readdirSync(npx) : []) {
    const manifest = join(npx, dir, "package.json");
    if (existsSync(manifest) && readFileSync(manifest, "utf8").includes(basename(project))) {
      rmSync(join(npx, dir), { recursive: true, force: true });
    }
  }
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

/** `new DIR` (no DIR when `dir` is undefined). */
function scaffold(argv: readonly string[], dir: string | undefined, extra: string[] = []) {
  const args = [...argv.slice(1), "new", ...(dir === undefined ? [] : [dir]), ...extra];
  return spawnSync(argv[0]!, args, { cwd: project, encoding: "utf8" });
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

/** A create command (`npm create bento-kit`, `bun create bento-kit`...) with `args`, run in `cwd` to its end. */
function create(argv: readonly string[], args: string[], cwd = project) {
  return spawnSync(argv[0]!, [...argv.slice(1), ...args], { cwd, encoding: "utf8" });
}

// What `new` writes is served on all three runtimes above: create's scaffold is that, file for file.
test("npm create bento-kit DIR writes what bento-kit new writes, file for file, and says how to serve it from here", () => {
  const made = create(["npm", "create", "bento-kit"], ["created/svc"]);
  expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: "" });
  // bento-kit is installed in the project: serve from here.
  expect(made.stdout).toContain("npx bento-kit serve created/svc");
  expect(scaffold(LAUNCHERS[0][1], "by-new/svc").status).toBe(0);
  const files = readdirSync(join(project, "created/svc")).sort();
  expect(files).toEqual(readdirSync(join(project, "by-new/svc")).sort());
  for (const f of files) {
    expect({ f, text: readFileSync(join(project, "created/svc", f), "utf8") }).toEqual({
      f,
      text: readFileSync(join(project, "by-new/svc", f), "utf8"),
    });
  }
});

test("bun create bento-kit DIR --python and deno run -A npm:create-bento-kit DIR scaffold, each naming its own serve command", () => {
  const bun = create([join(BIN, "bun"), "create", "bento-kit"], ["bun-made", "--python"]);
  expect({ status: bun.status, stderr: bun.stderr }).toEqual({ status: 0, stderr: "" });
  expect(readdirSync(join(project, "bun-made"))).toContain("runner.py");
  expect(bun.stdout).toContain("bunx --bun bento-kit serve bun-made");
  const deno = create([join(BIN, "deno"), "run", "-A", "npm:create-bento-kit"], ["deno-made"]);
  expect({ status: deno.status, stderr: deno.stderr }).toEqual({ status: 0, stderr: "" });
  expect(readdirSync(join(project, "deno-made"))).toContain("runner.ts");
  expect(deno.stdout).toContain("deno run --allow-read");
  expect(deno.stdout).toContain("npm:bento-kit serve deno-made");
});

test("create-bento-kit with no DIR, or a non-empty one: bento-kit new's one-line error, exit 2, under npm create too", () => {
  mkdirSync(join(project, "full"));
  writeFileSync(join(project, "full", "notes.txt"), "mine\n");
  const missing =
    'Error: Missing DIR, the directory to create (new or empty): run "bento-kit new --help" to see the usage';
  // new's line for a non-empty DIR is checked by "new refuses a non-empty directory" above.
  const cases: [string[], string][] = [[[], missing], [
    ["full"],
    "Error: full is not empty: give a new or empty directory",
  ]];
  for (const [args, line] of cases) {
    const direct = create([join(project, "node_modules", ".bin", "create-bento-kit")], args);
    expect({ status: direct.status, stdout: direct.stdout, stderr: direct.stderr }).toEqual({
      status: 2,
      stdout: "",
      stderr: `${line}\n`,
    });
  }
  expect(scaffold(LAUNCHERS[0][1], undefined).stderr).toBe(`${missing}\n`);
  expect(readdirSync(join(project, "full"))).toEqual(["notes.txt"]);
  // npm passes the exit code on, and adds its own "npm error" lines after the command's.
  const viaNpm = create(["npm", "create", "bento-kit"], []);
  expect({ status: viaNpm.status, first: viaNpm.stderr.split("\n")[0] }).toEqual({ status: 2, first: missing });
});

test("with nothing installed, npm exec --package=<both tarballs> create-bento-kit DIR (npm create's own step) scaffolds and says to install first", () => {
  // Outside the project: no node_modules above it holds bento-kit.
  const empty = mkdtempSync(join(tmpdir(), "bento-kit-create-"));
  fresh.push(empty);
  const r = create(
    ["npm", "exec", "--yes", "--prefer-offline", `--package=${createTgz}`, `--package=${bentoKitTgz}`, "--"],
    ["create-bento-kit", "my-svc"],
    empty,
  );
  expect({ status: r.status, stdout: r.stdout }).toEqual({
    status: 0,
    stdout: expect.stringContaining("Created my-svc"),
  });
  expect(r.stdout).toContain("  cd my-svc\n  npm install\n  npx bento-kit serve .");
  expect(JSON.parse(readFileSync(join(empty, "my-svc", "package.json"), "utf8")).dependencies).toEqual({
    "bento-kit": `^${JSON.parse(readFileSync("package.json", "utf8")).version}`,
  });
});
