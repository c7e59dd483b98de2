#!/usr/bin/env node
// The published build, in dist/ (same layout as the source):
// - JavaScript from esbuild: every entry point bundled with the code it
//   needs, code shared between entries split into dist/chunks/, and each
//   dynamic import (a command, the admin app, a runtime adapter) its own
//   chunk, so a command loads a handful of files instead of about a hundred
//   modules. npm dependencies stay imports (external).
// - .d.ts from tsc (declarations only: `npm test` type-checks).
// - the .proto files the gRPC worker reads.
// Run by `npm pack` (prepack) and by `npm install` in this repository
// (prepare); the repository itself runs from source and needs no build.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** What the package exports, what bin/bento-kit.mjs loads, and what runs as a process of its own. */
export const ENTRY_POINTS = [
  "mod.ts",
  "src/worker/mod.ts",
  "src/testing/mod.ts",
  "plugins/tls.ts",
  "plugins/monitoring.ts",
  "plugins/runner-map.ts",
  "src/cli/main.ts",
  "src/cli/_pid1.ts",
  "src/cli/_deno-permissions.ts",
  "src/metrics-server/main.ts",
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
  packages: "external",
  logLevel: "warning",
});
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
cpSync(join(root, "src/worker/protos"), join(root, "dist/src/worker/protos"), { recursive: true });
