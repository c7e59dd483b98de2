/**
 * The published package works from a project that installed the packed
 * tarball: `npx bento-kit serve` (Node) and `bunx --bun bento-kit serve` (Bun),
 * with a TypeScript service importing "bento-kit" and "bento-kit/worker".
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, sleep } from "./_helpers/serve-process.ts";

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
await serve(() => new Response(JSON.stringify({ worker: getWorkerId(), pid: process.pid })));
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
