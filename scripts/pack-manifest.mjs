#!/usr/bin/env node
// The package.json that goes into the tarball: without `scripts`, which name
// files the package does not ship (scripts/build.mjs, .ci/, bench/) and which
// a consumer never runs (npm warned about `prepare` on install).
// `strip` (prepack, after the build) keeps the original as
// package.json.prepack and writes the stripped one; `restore` (postpack) puts
// the original back byte for byte, its mtime too. A `strip` that finds a backup left by a
// pack that failed restores it first.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(root, "package.json");
const backup = join(root, "package.json.prepack");
const mode = process.argv[2];

if (mode === "restore" || mode === "strip") {
  if (existsSync(backup)) renameSync(backup, manifest);
}
if (mode === "strip") {
  const text = readFileSync(manifest, "utf8");
  const { scripts: _, ...packed } = JSON.parse(text);
  // The original is moved aside, not copied: restored, it keeps its mtime, so that a pack leaves package.json
  // older than the dist/ it built (test/_helpers/compiled-cli.ts then runs that build, not the source).
  renameSync(manifest, backup);
  writeFileSync(manifest, `${JSON.stringify(packed, null, 2)}\n`);
} else if (mode !== "restore") {
  process.stderr.write("usage: node scripts/pack-manifest.mjs strip|restore\n");
  process.exit(2);
}
