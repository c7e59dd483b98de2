/**
 * `RuntimePort.watch` (node:fs, as Node and Bun run it; Deno's is in the
 * reload e2e tests): changes below the root, directories created later, and
 * skipped directories never entered.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchRoots } from "../../src/launch/_reload.ts";
import { nodeWatch } from "../../src/runtime/shared/_watch-node.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function until(condition: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await Bun.sleep(10);
  return condition();
}

test("changes anywhere below the root, in directories made later too, but not in skipped ones", async () => {
  const root = mkdtempSync(join(tmpdir(), "bk-watch-"));
  dirs.push(root);
  mkdirSync(join(root, "a", "b"), { recursive: true });
  mkdirSync(join(root, "node_modules", "x"), { recursive: true });
  const seen = new Set<string>();
  const watched = nodeWatch(root, {
    skipDir: (p) => p.split("/").includes("node_modules"),
    onChange: (paths) => paths.forEach((p) => seen.add(p)),
  });
  expect(watched.isOk()).toBe(true);
  try {
    writeFileSync(join(root, "node_modules", "x", "i.js"), "1");
    writeFileSync(join(root, "a", "b", "f.ts"), "1");
    expect(await until(() => seen.has("a/b/f.ts"))).toBe(true);
    mkdirSync(join(root, "new"));
    expect(await until(() => seen.has("new"), 300)).toBe(false); // a directory is not a changed file
    writeFileSync(join(root, "new", "g.ts"), "1");
    expect(await until(() => seen.has("new/g.ts"))).toBe(true);
    rmSync(join(root, "a"), { recursive: true });
    expect(await until(() => seen.has("a"))).toBe(true);
    expect([...seen].filter((p) => p.includes("node_modules"))).toEqual([]);
  } finally {
    watched._unsafeUnwrap().close();
  }
});

test("the working dir is watched too when it is not inside the service directory", () => {
  expect(watchRoots("/srv/svc", "/srv/svc")).toEqual(["/srv/svc"]);
  expect(watchRoots("/srv/svc", "/srv/svc/src")).toEqual(["/srv/svc"]);
  expect(watchRoots("/srv/svc", "/srv")).toEqual(["/srv"]);
  expect(watchRoots("/srv/svc", "/srv/other")).toEqual(["/srv/svc", "/srv/other"]);
});
