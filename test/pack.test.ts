/**
 * The published package works from a project that installed the packed
 * tarball: `npx bento-kit serve` (Node) and `bunx --bun bento-kit serve` (Bun),
 * with a TypeScript service importing "bento-kit" and "bento-kit/worker".
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, descendantsOf, ROOT, sleep } from "./_helpers/serve-process.ts";

let project = "";
let files: string[] = [];

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "bento-kit-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", project], { cwd: ROOT, encoding: "utf8" });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  files = info!.files.map((f) => f.path);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pack-check", private: true, type: "module" }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(project, info!.filename)], { cwd: project, stdio: "ignore" });
  mkdirSync(join(project, "svc"));
  writeFileSync(join(project, "svc", "bento.config.ts"), `import { defineService } from "bento-kit";
export default defineService({ name: "packed", api: { command: { module: "./api.ts" }, workers: 2 } });
`);
  writeFileSync(join(project, "svc", "api.ts"), `import { getWorkerId, serve } from "bento-kit/worker";
await serve(async (req) => {
  if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 400));
  return new Response(JSON.stringify({ worker: getWorkerId(), pid: process.pid }));
});
console.log("packed worker ready");
`);
}, 120_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

test("the tarball holds what the entry points need", () => {
  for (const f of ["bin/bento-kit.mjs", "mod.ts", "src/worker/mod.ts", "src/cli/main.ts", "plugins/runner-map.ts", "src/runtime/node.ts", "src/runtime/bun.ts", "src/runtime/deno.ts", "README.md"]) {
    expect(files).toContain(f);
  }
  expect(files.some((f) => f.startsWith("test/") || f.startsWith("node_modules/"))).toBe(false);
});

for (const [label, argv] of [
  ["npx bento-kit serve", ["npx", "--no-install", "bento-kit"]],
  ["bunx --bun bento-kit serve", [join(ROOT, "node_modules", ".bin", "bunx"), "--bun", "bento-kit"]],
] as const) {
  test(`${label} from a project that installed the tarball`, async () => {
    const child = spawn(argv[0], [...argv.slice(1), "serve", "svc", "--port", "0", "--host", "127.0.0.1"], {
      cwd: project, stdio: ["ignore", "pipe", "pipe"], detached: true,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      let port = 0;
      for (let i = 0; i < 300 && !port; i++) {
        port = Number(out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? 0);
        await sleep(50);
      }
      expect(port).toBeGreaterThan(0);
      for (let i = 0; i < 100 && (out.match(/packed worker ready/g) ?? []).length < 2; i++) await sleep(50);
      const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { worker: number };
      expect([1, 2]).toContain(body.worker);
    } finally {
      // Ctrl+C in a terminal: SIGINT to the whole foreground group (npx and the supervisor).
      process.kill(-child.pid!, "SIGINT");
      await new Promise((r) => child.once("exit", r));
      for (let i = 0; i < 100 && !out.includes("Stopped:"); i++) await sleep(50);
    }
    expect(out).toContain("Stopped: every worker is gone");
  }, 60_000);
}

const LAUNCHERS = [
  ["npx", ["npx", "--no-install", "bento-kit"]],
  ["bunx", [join(ROOT, "node_modules", ".bin", "bunx"), "--bun", "bento-kit"]],
] as const;

const launched: { pid: number; group: number[] }[] = [];
afterEach(() => {
  // Even when a test failed: SIGKILL whatever a launch left (its session group, then every recorded process).
  for (const l of launched.splice(0)) {
    for (const pid of [-l.pid, ...l.group, ...descendantsOf(l.pid)]) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
  }
});

/** Start the packed service under a launcher in a new session (a terminal's foreground group). */
async function launch(argv: readonly string[]) {
  const child = spawn(argv[0]!, [...argv.slice(1), "serve", "svc", "--port", "0", "--host", "127.0.0.1", "--api-workers", "1", "--no-admin"], {
    cwd: project, stdio: ["ignore", "pipe", "pipe"], detached: true,
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

for (const [name, argv] of LAUNCHERS) {
  test(`SIGTERM to the ${name} process alone stops the service gracefully; nothing is left`, async () => {
    const s = await launch(argv);
    process.kill(s.child.pid!, "SIGTERM"); // as docker stop or systemd's KillMode=mixed: the launcher only
    expect(await stopped(s.out)).toBe(true);
    expect(s.out()).toMatch(/worker \d+: SIGTERM received/);
    for (let i = 0; i < 100 && s.group.some(alive); i++) await sleep(50);
    expect(s.group.filter(alive)).toEqual([]);
  }, 60_000);

  test(`20 Ctrl+C presses under ${name}, each with a request in flight: every one a graceful stop, the request answered`, async () => {
    for (let press = 0; press < 20; press++) {
      const s = await launch(argv);
      const inFlight = fetch(`http://127.0.0.1:${s.port}/slow`, { headers: { connection: "close" } }).then((r) => r.status, () => 0);
      await sleep(100);
      process.kill(-s.child.pid!, "SIGINT"); // Ctrl+C: the whole foreground group
      expect(await inFlight).toBe(200);
      expect(await stopped(s.out)).toBe(true);
      expect(s.out()).not.toContain("killing every worker now");
      await s.exited;
      for (let i = 0; i < 100 && s.group.some(alive); i++) await sleep(50);
      expect(s.group.filter(alive)).toEqual([]);
    }
  }, 240_000);
}
