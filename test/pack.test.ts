/**
 * The published package works from a project that installed the packed
 * tarball: compiled JavaScript and .d.ts (plain Node imports it, a strict
 * TypeScript project type-checks against it), `npx bento-kit serve` (Node),
 * `bunx --bun bento-kit serve` (Bun) and the README's Deno command, each with
 * a JavaScript service and a TypeScript one; tsx is loaded only for the
 * TypeScript one, and neither loads gRPC, export, admin-app or metrics code.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, DENO_FLAGS, LAUNCHERS, packInto, stageCheckout } from "./_helpers/packed.ts";
import { alive, descendantsOf, ROOT, serviceTestMs, sleep } from "./_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let project = "";
let files: string[] = [];
/** The copy of the checkout npm pack ran in, and its package.json before the pack. */
let stage = "";
let manifestBefore = "";
/** A Node --import hook that appends every module URL a Node process loads to $LOAD_TRACE/<pid>. */
let traceHook = "";

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "bento-kit-pack-"));
  stage = stageCheckout();
  manifestBefore = readFileSync(join(stage, "package.json"), "utf8");
  files = packInto(project, true, false, stage);
  const service = (dir: string, ext: "js" | "ts") => {
    mkdirSync(join(project, dir));
    writeFileSync(
      join(project, dir, `bento.config.${ext}`),
      `import { defineService } from "bento-kit";
export default defineService({ name: "packed_${ext}", api: { command: { module: "./api.${ext}" }, workers: 2 } });
`,
    );
    writeFileSync(
      join(project, dir, `api.${ext}`),
      `import { getWorkerId, serve } from "bento-kit/worker";
const lang${ext === "ts" ? ": string" : ""} = "${ext}";
await serve(async (req) => {
  if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 400));
  return new Response(JSON.stringify({ worker: getWorkerId(), pid: process.pid, lang }));
});
console.log("packed worker ready");
`,
    );
  };
  service("svc", "ts");
  service("jsvc", "js");
  traceHook = join(project, "trace-hook.mjs");
  writeFileSync(
    join(project, "trace-resolve.mjs"),
    [
      'import { appendFileSync } from "node:fs";',
      "export async function resolve(specifier, context, next) {",
      "  const resolved = await next(specifier, context);",
      "  if (process.env.LOAD_TRACE) appendFileSync(`${process.env.LOAD_TRACE}/${process.pid}`, `${resolved.url}\\n`);",
      "  return resolved;",
      "}",
    ].join("\n"),
  );
  // module.register() is deprecated from Node 26 (DEP0205, a warning on stderr): registerHooks()
  // (Node >= 22.15) runs the same resolve hook in-thread, and synchronously.
  writeFileSync(
    traceHook,
    [
      'import * as mod from "node:module";',
      'import { appendFileSync } from "node:fs";',
      "if (mod.registerHooks) {",
      "  mod.registerHooks({",
      "    resolve(specifier, context, next) {",
      "      const resolved = next(specifier, context);",
      "      if (process.env.LOAD_TRACE) appendFileSync(`${process.env.LOAD_TRACE}/${process.pid}`, `${resolved.url}\\n`);",
      "      return resolved;",
      "    },",
      "  });",
      '} else mod.register("./trace-resolve.mjs", import.meta.url);',
      // And, at exit, whether Node's undici was loaded (scripts/build.mjs: node:http's ES facade loads it).
      'process.once("exit", () => {',
      "  const undici = process.moduleLoadList.filter((m) => m.includes('undici')).map((m) => `builtin:${m}\\n`);",
      "  if (process.env.LOAD_TRACE) appendFileSync(`${process.env.LOAD_TRACE}/${process.pid}`, undici.join(''));",
      "});",
    ].join("\n"),
  );
}, 120_000);

// The project holds an installed node_modules: removing it takes more than bun's 5 s hook
// timeout on a busy machine (seen in the Node 22 slice at load 21 on 2 cores).
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
}, 60_000);

test("the tarball holds the compiled package: JavaScript, declarations, the CLI, LICENSE and every file the README links", () => {
  for (
    const f of [
      "bin/bento-kit.mjs",
      "dist/mod.js",
      "dist/mod.d.ts",
      "dist/src/worker/mod.js",
      "dist/src/worker/mod.d.ts",
      "dist/src/testing/mod.js",
      "dist/src/testing/mod.d.ts",
      "dist/plugins/tls.js",
      "dist/plugins/tls.d.ts",
      "dist/plugins/monitoring.js",
      "dist/plugins/runner-map.js",
      "dist/src/cli/bootstrap.js",
      "dist/src/cli/main.js",
      "dist/src/metrics-server/main.js",
      "dist/src/worker/protos/health.proto",
      "LICENSE",
      "README.md",
    ]
  ) {
    expect(files).toContain(f);
  }
  // No TypeScript source (Node and Deno refuse to strip types under node_modules), no tests.
  // The templates of `bento-kit new` are TypeScript, copied into the user's service, never imported from here.
  expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("dist/templates/"))).toEqual(
    [],
  );
  expect(files.some((f) => f.startsWith("test/") || f.startsWith("node_modules/") || f.startsWith("src/"))).toBe(false);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const linked = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
  expect(linked.length).toBeGreaterThan(5);
  expect(linked.filter((f) => !files.includes(f))).toEqual([]);
  // The README's install line installs what its examples import.
  const install = [...readme.matchAll(/npm install bento-kit([^\n#]*)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
  const imported = new Set([...readme.matchAll(/from "([^".][^"]*)"/g)].map((m) => m[1]!.split("/")[0]!));
  imported.delete("bento-kit");
  expect([...imported].filter((p) => !install.includes(p))).toEqual([]);
});

test("plain Node imports every entry point from the tarball, without tsx", () => {
  const trace = mkdtempSync(join(project, "trace-"));
  const script =
    `for (const m of ["bento-kit", "bento-kit/worker", "bento-kit/testing", "bento-kit/plugins/tls", "bento-kit/plugins/monitoring", "bento-kit/plugins/runner-map"]) {
  const mod = await import(m);
  if (Object.keys(mod).length === 0) throw new Error(m + " exports nothing");
}
const { defineService } = await import("bento-kit");
console.log(defineService({ name: "x", api: { command: ["true"] } }).name);`;
  const r = spawnSync("node", ["--import", traceHook, "--input-type=module", "-e", script], {
    cwd: project,
    encoding: "utf8",
    env: { PATH: process.env.PATH, LOAD_TRACE: trace },
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(r.stdout.trim()).toBe("x");
  const loaded = readdirSync(trace).flatMap((f) => readFileSync(join(trace, f), "utf8").split("\n"));
  expect(loaded.some((u) => u.includes("/node_modules/bento-kit/dist/"))).toBe(true);
  expect(loaded.filter((u) => u.includes("/tsx/"))).toEqual([]);
});

test("a strict TypeScript project (skipLibCheck false) type-checks against the package", () => {
  const dir = join(project, "consumer");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
      },
      include: ["index.ts"],
    }),
  );
  writeFileSync(
    join(dir, "index.ts"),
    `import { type BentoPlugin, definePlugin, defineService } from "bento-kit";
import { getWorkerId, serve } from "bento-kit/worker";
import { runPlugins } from "bento-kit/testing";
import { tlsPlugin } from "bento-kit/plugins/tls";
import { monitoringPlugin } from "bento-kit/plugins/monitoring";
import { ok } from "neverthrow";
export const service = defineService({ name: "x", api: { command: { module: "./api.ts" }, workers: 1 } });
export const plugins: BentoPlugin[] = [tlsPlugin(), monitoringPlugin(), definePlugin({ name: "p", beforeSpawn: (plan) => ok(plan) })];
export const id: number = getWorkerId();
void serve; void runPlugins;
`,
  );
  const r = spawnSync(join(BIN, "tsc"), ["-p", dir], { cwd: project, encoding: "utf8" });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 60_000);

const SERVE_CASES = LAUNCHERS;

/**
 * Whether the `node` on PATH loads a TypeScript manifest without tsx: it strips types itself, and loads a module
 * it refused again once tsx is loaded (Node 24 and later; src/runtime/shared/_node-reload.ts).
 */
const nodeStripsTypes = () =>
  spawnSync(
    "node",
    ["-p", "Boolean(process.features.typescript) && Number(process.versions.node.split('.')[0]) >= 24"],
    {
      encoding: "utf8",
    },
  ).stdout.trim() === "true";

for (const [label, argv] of SERVE_CASES) {
  for (const [dir, lang] of [["jsvc", "js"], ["svc", "ts"]] as const) {
    test(
      `${label} serve: a ${
        lang === "js" ? "JavaScript" : "TypeScript"
      } service from a project that installed the tarball`,
      async () => {
        const trace = mkdtempSync(join(project, "trace-"));
        const child = spawn(argv[0], [...argv.slice(1), "serve", dir, "--port", "0", "--host", "127.0.0.1"], {
          cwd: project,
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
          env: { ...process.env, NODE_OPTIONS: `--import ${traceHook}`, LOAD_TRACE: trace },
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const seen = new Set<number>();
        try {
          let port = 0;
          for (let i = 0; i < 300 && !port; i++) {
            port = Number(out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
            await sleep(50);
          }
          expect(port).toBeGreaterThan(0);
          for (const pid of descendantsOf(child.pid!)) seen.add(pid);
          const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { worker: number; lang: string };
          expect([1, 2]).toContain(body.worker);
          expect(body.lang).toBe(lang);
        } finally {
          // Ctrl+C in a terminal: SIGINT to the whole foreground group (the launcher and the supervisor).
          process.kill(-child.pid!, "SIGINT");
          await new Promise((r) => child.once("exit", r));
          for (let i = 0; i < 100 && !out.includes("Stopped:"); i++) await sleep(50);
        }
        expect(out).toContain("Stopped: every worker is gone");
        for (let i = 0; i < 100 && [...seen].some(alive); i++) await sleep(50);
        expect([...seen].filter(alive)).toEqual([]);
        if (label.startsWith("npx")) {
          // The Node supervisor (the process that loaded the CLI) loads tsx only for the TypeScript service, and
          // only on a Node that cannot strip its types itself (src/launch/_load-manifest.ts).
          const traces = readdirSync(trace).map((f) => readFileSync(join(trace, f), "utf8"));
          const supervisor = traces.filter((t) => t.includes("/bento-kit/dist/src/cli/main.js"));
          expect(supervisor.length).toBe(1);
          // (It resolves tsx's loader for a TypeScript worker's command, `node --import <loader>`, without loading it.)
          const tsxLoaded = supervisor[0]!.split("\n").some((url) =>
            url.includes("/node_modules/tsx/") && !url.endsWith("/node_modules/tsx/dist/loader.mjs")
          );
          expect(tsxLoaded).toBe(lang === "ts" && !nodeStripsTypes());
          // Nor does it load what this service does not use: no gRPC, no Kubernetes export, no --reload
          // watcher, and neither the admin app (Hono, zod) nor the metrics registry (prom-client), which
          // come with the first admin request or scrape; nothing here sends one. Nor Node's undici (Node >= 22
          // loads it for an ES import of node:http: scripts/build.mjs), which comes with a first Request.
          const unused =
            /\/node_modules\/(@grpc|hono|@hono|zod|prom-client|yaml)\/|\/dist\/chunks\/(?:cli\/)?(app|export|start-grpc-server|_grpc-metrics|_reload|_monitoring-registry)-|^builtin:.*undici/;
          expect(supervisor[0]!.split("\n").filter((url) => unused.test(url))).toEqual([]);
        }
      },
      60_000,
    );
  }
}

test("npx bento-kit: a bento.config.ts that Node cannot strip (an enum) loads through tsx", () => {
  mkdirSync(join(project, "enumsvc"), { recursive: true });
  writeFileSync(
    join(project, "enumsvc", "bento.config.ts"),
    `import { defineService } from "bento-kit";
enum Workers { Two = 2 }
export default defineService({ name: "enum_svc", api: { command: { module: "./api.ts" }, workers: Workers.Two } });
`,
  );
  // export loads the manifest as serve does, and starts nothing.
  const r = spawnSync(
    "npx",
    ["--no-install", "bento-kit", "export", "compose", "enumsvc", "--image", "example/enum:1"],
    {
      cwd: project,
      encoding: "utf8",
    },
  );
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(r.stdout).toContain("enum-svc-api-server:");
}, 60_000);

test("deno run npm:bento-kit without permissions and without a terminal: one line naming the flags, exit 2", () => {
  const r = spawnSync(join(BIN, "deno"), ["run", "npm:bento-kit", "serve", "jsvc"], {
    cwd: project,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  expect(r.status).toBe(2);
  const lines = (r.stdout + r.stderr).trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(DENO_FLAGS.join(" "));
  expect(lines[0]).not.toMatch(/^\s+at |NotCapable/);
});

const SIGNAL_CASES = [["npx", SERVE_CASES[0][1]], ["bunx", SERVE_CASES[1][1]]] as const;

const launched: { pid: number; group: number[] }[] = [];
afterEach(() => {
  // Even when a test failed: SIGKILL whatever a launch left (its session group, then every recorded process).
  for (const l of launched.splice(0)) {
    for (const pid of [-l.pid, ...l.group, ...descendantsOf(l.pid)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
});

/** Start the packed service under a launcher in a new session (a terminal's foreground group). */
async function launch(argv: readonly string[]) {
  const child = spawn(argv[0]!, [
    ...argv.slice(1),
    "serve",
    "svc",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--api-workers",
    "1",
    "--no-admin",
  ], {
    cwd: project,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((r) => child.once("exit", r));
  let port = 0;
  for (let i = 0; i < 400 && !port; i++) {
    port = Number(out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
    await sleep(25);
  }
  expect(port).toBeGreaterThan(0);
  const group = descendantsOf(child.pid!);
  launched.push({ pid: child.pid!, group });
  return { child, port, group, exited, out: () => out };
}

async function stopped(out: () => string): Promise<boolean> {
  for (let i = 0; i < 200 && !out().includes("Stopped:"); i++) await sleep(25);
  return out().includes("Stopped:");
}

/**
 * Ctrl+C presses per launcher: each a start, a request in flight, SIGINT to the group and a stop
 * (1–1.3 s). bunx forwards the SIGINT the group already got, so every press arrives twice: each
 * press checks the repeat is one graceful stop. It was 20 presses (47 s of CI for both launchers),
 * then 8 (18 s); 5 keep the repetition (every press a start, a stop and the doubled SIGINT) at a
 * quarter of the time, for a CI that took 675-727 s of its 720 on a slow day.
 */
const PRESSES = 5;

for (const [name, argv] of SIGNAL_CASES) {
  test(`SIGTERM to the ${name} process alone stops the service gracefully; nothing is left`, async () => {
    const s = await launch(argv);
    process.kill(s.child.pid!, "SIGTERM"); // as docker stop or systemd's KillMode=mixed: the launcher only
    expect(await stopped(s.out)).toBe(true);
    expect(s.out()).toMatch(/worker \d+: SIGTERM received/);
    for (let i = 0; i < 100 && s.group.some(alive); i++) await sleep(50);
    expect(s.group.filter(alive)).toEqual([]);
  }, 60_000);

  test(
    `${PRESSES} Ctrl+C presses under ${name}, each with a request in flight: every one a graceful stop, the request answered`,
    async () => {
      for (let press = 0; press < PRESSES; press++) {
        const s = await launch(argv);
        const inFlight = fetch(`http://127.0.0.1:${s.port}/slow`, { headers: { connection: "close" } }).then(
          (r) => r.status,
          () => 0,
        );
        await sleep(100);
        process.kill(-s.child.pid!, "SIGINT"); // Ctrl+C: the whole foreground group
        expect(await inFlight).toBe(200);
        expect(await stopped(s.out)).toBe(true);
        expect(s.out()).not.toContain("killing every worker now");
        await s.exited;
        for (let i = 0; i < 100 && s.group.some(alive); i++) await sleep(50);
        expect(s.group.filter(alive)).toEqual([]);
      }
    },
    240_000,
  );
}

test("the packed package.json has no scripts (prepare named an unshipped file); the repository's is restored as it was", () => {
  const installed = JSON.parse(readFileSync(join(project, "node_modules", "bento-kit", "package.json"), "utf8"));
  expect(installed.scripts).toBeUndefined();
  expect(installed.bin).toBeDefined();
  expect(readFileSync(join(stage, "package.json"), "utf8")).toBe(manifestBefore);
  expect(readdirSync(stage)).not.toContain("package.json.prepack");
});
