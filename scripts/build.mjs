#!/usr/bin/env node
// The published build, in dist/ (same layout as the source):
// - JavaScript from esbuild: every entry point bundled with the code it
//   needs, code shared between entries split into dist/chunks/, and each
//   dynamic import (a command, the admin app, a runtime adapter) its own
//   chunk, so a command loads a handful of files instead of about a hundred
//   modules. npm dependencies stay imports (external), except neverthrow,
//   whose ES module build is bundled: its package sends Node to the CommonJS
//   build, which takes 7-10 ms of the supervisor's start to load. Nothing
//   compares Results by class, so a plugin's Results (from its own
//   neverthrow) work with bento-kit's.
// - .d.ts from tsc (declarations only: `npm test` type-checks).
// - the .proto files the gRPC worker reads, and the templates of `bento-kit new`.
// Run by `npm pack` (prepack) and by `npm install` in this repository
// (prepare); the repository itself runs from source and needs no build.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** What the package exports, what bin/bento-kit.mjs loads, and what runs as a process of its own. */
export const ENTRY_POINTS = [
  "mod.ts",
  "src/worker/mod.ts",
  "src/testing/mod.ts",
  "plugins/tls.ts",
  "plugins/monitoring.ts",
  "plugins/runner-map.ts",
  "src/cli/bootstrap.ts",
  "src/cli/main.ts",
  "src/metrics-server/main.ts",
  "src/runtime/node/esm-syntax-hook.ts",
];

rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ENTRY_POINTS,
  outdir: "dist",
  outbase: ".",
  entryNames: "[dir]/[name]",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: [...Object.keys(pkg.dependencies).filter((name) => name !== "neverthrow"), "bun:ffi"].flatMap((
    name,
  ) => [name, `${name}/*`]),
  mainFields: ["module", "main"],
  logLevel: "warning",
});
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
// tsc keeps the source's relative ".ts" specifiers in declarations; point them at the .js files
// (which the .d.ts files sit beside), as TypeScript and Deno resolve a published package's types.
for (
  const file of readdirSync(join(root, "dist"), { recursive: true, encoding: "utf8" }).filter((f) =>
    f.endsWith(".d.ts")
  )
) {
  const path = join(root, "dist", file);
  const text = readFileSync(path, "utf8");
  const fixed = text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3");
  if (fixed !== text) writeFileSync(path, fixed);
}
cpSync(join(root, "src/worker/protos"), join(root, "dist/src/worker/protos"), { recursive: true });
// `bento-kit new` copies these into the user's service (src/cli/commands/new.ts).
cpSync(join(root, "templates"), join(root, "dist/templates"), { recursive: true });
