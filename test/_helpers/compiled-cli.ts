/**
 * The Node supervisor the tests start: the compiled CLI (dist/, what the npm package ships) when
 * dist/ was built after the last change to the source, else the source through tsx (a checkout's
 * bin/bento-kit.mjs). `npm test` builds dist/ first, so CI tests the compiled CLI, whose start
 * costs half the CPU (310-320 ms to a sleep service's start line, against 620-670 from source):
 * the suite starts a Node supervisor some hundreds of times. A test run after an edit, before a
 * build, gets the source: never a stale build.
 *
 * bin/bento-kit.mjs runs dist/ when no src/ sits beside it, so the compiled CLI is a copy of it in
 * a directory of its own with dist/ linked in (dist/'s real path is the checkout's: its imports
 * resolve in the checkout's node_modules).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What dist/ is built from: the newest file in these is compared with the build. */
const SOURCES = ["mod.ts", "src", "plugins", "bin", "package.json", "scripts/build.mjs"];

function newestMtime(root: string, entry: string): number {
  const path = join(root, entry);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(root, join(entry, name)));
  return newest;
}

/** The copies made for earlier builds of the same checkout: one small directory per build was left in /tmp. */
function removeOlder(suffix: string, key: number): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^bento-kit-compiled-cli-(\d+)(-.*)$/.exec(name);
    if (m && m[2] === suffix && Number(m[1]) < key) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** `root`'s bin/bento-kit.mjs as installed from npm (dist/ only), or undefined when dist/ is missing or older than the source. */
export function compiledCli(root: string): string | undefined {
  const built = statSync(join(root, "dist", "src", "cli", "main.js"), { throwIfNoEntry: false });
  if (!built || SOURCES.some((s) => newestMtime(root, s) > built.mtimeMs)) return undefined;
  const key = Math.round(built.mtimeMs);
  const suffix = `-${root.replaceAll("/", "_")}`;
  const dir = join(tmpdir(), `bento-kit-compiled-cli-${key}${suffix}`);
  const bin = join(dir, "bin", "bento-kit.mjs");
  if (existsSync(bin)) return bin;
  removeOlder(suffix, key);
  // Made beside and renamed: test files run in parallel, and may make it at the same time.
  const making = `${dir}.${process.pid}`;
  mkdirSync(join(making, "bin"), { recursive: true });
  copyFileSync(join(root, "bin", "bento-kit.mjs"), join(making, "bin", "bento-kit.mjs"));
  copyFileSync(join(root, "package.json"), join(making, "package.json"));
  symlinkSync(join(root, "dist"), join(making, "dist"));
  try {
    renameSync(making, dir);
  } catch {
    rmSync(making, { recursive: true, force: true }); // another file made it first
  }
  return bin;
}
