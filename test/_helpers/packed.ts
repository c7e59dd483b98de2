/**
 * The package as npm publishes it: `npm pack` (which builds dist/), then
 * `npm install <tarball>` into a fresh project, as a user would. Shared by
 * the tests that run the installed package (pack, scaffold, links). The
 * second package, create-bento-kit (`npm create bento-kit`), packs the same way.
 *
 * npm pack runs in a copy of the checkout, never in it: its prepack rebuilds dist/ (removing it
 * first) and rewrites package.json, and the test files run in parallel (.ci/test): a supervisor
 * that another file starts from dist/ at that moment would find no dist/.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { ROOT } from "./serve-process.ts";

/** The tools of this checkout (bunx, deno, tsc). */
export const BIN = join(ROOT, "node_modules", ".bin");

/** The README's Deno command: exactly these permissions. */
export const DENO_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-ffi",
  "--allow-sys=uid,gid,homedir",
];

/** The ways the README runs the installed CLI: npx (Node), bunx --bun (Bun), deno run npm:bento-kit. */
export const LAUNCHERS = [
  ["npx bento-kit", ["npx", "--no-install", "bento-kit"]],
  ["bunx --bun bento-kit", [join(BIN, "bunx"), "--bun", "bento-kit"]],
  ["deno run (README permissions) npm:bento-kit", [join(BIN, "deno"), "run", ...DENO_FLAGS, "npm:bento-kit"]],
] as const;

/** What a pack does not need from the checkout besides every node_modules: git's store, the build, the local Nodes. */
const NOT_PACKED = new Set([".git", "dist", ".ci/.node", "bench/.tmp"]);

/**
 * A copy of the checkout to run npm pack in, its node_modules a link to the checkout's (esbuild
 * and tsc for the build).
 */
export function stageCheckout(): string {
  const stage = mkdtempSync(join(tmpdir(), "bento-kit-stage-"));
  cpSync(ROOT, stage, {
    recursive: true,
    filter: (src) => basename(src) !== "node_modules" && !NOT_PACKED.has(relative(ROOT, src)),
  });
  symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"));
  return stage;
}

/**
 * Pack into `project` (from `stage`, a copy of the checkout, or a copy made and removed here) and, unless `install` is false, install the tarball there; the packed file paths. With
 * `create`, packages/create-bento-kit is packed and installed beside it, in the same two npm runs (each npm
 * start takes seconds on a loaded machine).
 */
export function packInto(project: string, install = true, create = false, stage?: string): string[] {
  const specs = create ? [".", "./packages/create-bento-kit"] : [];
  const cwd = stage ?? stageCheckout();
  let out: string;
  try {
    out = execFileSync("npm", ["pack", ...specs, "--json", "--pack-destination", project], { cwd, encoding: "utf8" });
  } finally {
    if (!stage) rmSync(cwd, { recursive: true, force: true });
  }
  const infos = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!install) return infos[0]!.files.map((f) => f.path);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pack-check", private: true, type: "module" }));
  const tarballs = infos.map((i) => join(project, i.filename));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], {
    cwd: project,
    stdio: "ignore",
  });
  return infos[0]!.files.map((f) => f.path);
}
