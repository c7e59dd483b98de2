#!/usr/bin/env node
// The repository publishes two npm packages at one version: bento-kit (this
// folder) and create-bento-kit (packages/create-bento-kit, `npm create
// bento-kit`), whose dependency on bento-kit is that exact version, so that
// `npm create bento-kit` scaffolds with the bento-kit it was released with.
// package-lock.json, JSR's deno.json and the CLI's VERSION (src/version.ts) carry it too.
//
//   node scripts/versions.mjs            check that they all agree (exit 1 naming each one that differs)
//   node scripts/versions.mjs set 0.2.0  write 0.2.0 into each
//
// `npm pack` (prepack) runs the check. A release: `set`, commit, then `npm publish` here and
// `npm publish` in packages/create-bento-kit (bento-kit first: create-bento-kit depends on it).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const VERSION_TS = /export const VERSION = "([^"]*)";/;

/** Where the version is written: a file, how to read it from the text, how to write it. */
const PLACES = [
  jsonPlace("package.json", ["version"]),
  jsonPlace("package-lock.json", ["version"]),
  jsonPlace("package-lock.json", ["packages", "", "version"]),
  jsonPlace("deno.json", ["version"]),
  jsonPlace("packages/create-bento-kit/package.json", ["version"]),
  jsonPlace("packages/create-bento-kit/package.json", ["dependencies", "bento-kit"]),
  {
    name: "src/version.ts VERSION",
    file: "src/version.ts",
    read: (text) => VERSION_TS.exec(text)?.[1],
    write: (text, v) => text.replace(VERSION_TS, `export const VERSION = "${v}";`),
  },
];

function jsonPlace(file, path) {
  return {
    name: `${file} ${path.join(".")}`,
    file,
    read: (text) => path.reduce((o, k) => o?.[k], JSON.parse(text)),
    write: (text, v) => {
      const json = JSON.parse(text);
      path.slice(0, -1).reduce((o, k) => o[k], json)[path.at(-1)] = v;
      return `${JSON.stringify(json, null, 2)}\n`;
    },
  };
}

/** Each place whose version is not package.json's, as "name: found". */
export function versionMismatches() {
  const found = PLACES.map((p) => ({ name: p.name, version: p.read(readFileSync(join(root, p.file), "utf8")) }));
  return found.filter((f) => f.version !== found[0].version).map((f) => `${f.name}: ${f.version}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, version] = process.argv.slice(2);
  if (command === "set" && /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version ?? "")) {
    for (const p of PLACES) {
      const file = join(root, p.file);
      writeFileSync(file, p.write(readFileSync(file, "utf8"), version));
    }
  } else if (command !== undefined) {
    process.stderr.write("usage: node scripts/versions.mjs [set X.Y.Z]\n");
    process.exit(2);
  }
  const wrong = versionMismatches();
  if (wrong.length > 0) {
    const { version: expected } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    process.stderr.write(`Error: versions differ from package.json's ${expected}: ${wrong.join(", ")}\n`);
    process.exit(1);
  }
}
