#!/usr/bin/env node
// The published build, in dist/ (same layout as the source):
// - JavaScript from esbuild: every entry point bundled with the code it
//   needs, code shared between entries split into dist/chunks/, and each
//   dynamic import (a command, the admin app, a runtime adapter) its own
//   chunk, so a command loads a handful of files instead of about a hundred
//   modules. The CLI is a build of its own (dist/src/cli/, chunks in
//   dist/chunks/cli/): split only along its own dynamic imports, `serve`
//   loads 45 files where it loaded 58 when its chunks were cut to fit the
//   library's entries too, and a Node supervisor idles at 62.5 MiB instead
//   of 69.2 and takes some 25 ms less CPU to its first 200 (bench/RESULTS.md
//   §18). The library's modules that the CLI uses are in the package twice;
//   nothing compares their objects by identity across the two copies.
//   npm dependencies stay imports (external), except neverthrow,
//   whose ES module build is bundled: its package sends Node to the CommonJS
//   build, which takes 7-10 ms of the supervisor's start to load. Nothing
//   compares Results by class, so a plugin's Results (from its own
//   neverthrow) work with bento-kit's.
// - node:http is read with process.getBuiltinModule, not imported as an ES
//   module (`nodeHttpShim`): on Node 22 and later an ES import of node:http
//   reads every export, and three of them (WebSocket, CloseEvent,
//   MessageEvent) load undici: about 40 ms of CPU and 6 MiB at the start of
//   every supervisor, before its first spawn (nodejs/node#57649, open). The
//   supervisor now loads undici only when its admin server or metrics socket
//   answers a first request (both build a Request; a worker that serves a
//   fetch handler loads it anyway: Node's Request and Response are undici's).
//   Bun and Deno have process.getBuiltinModule too.
// - .d.ts from tsc (declarations only: `npm test` type-checks).
// - the .proto files the gRPC worker reads, and the templates of `bento-kit new`.
// Run by `npm pack` (prepack) and by `npm install` in this repository
// (prepare); the repository itself runs from source and needs no build.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
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
  "src/metrics-server/main.ts",
  "src/runtime/node/esm-syntax-hook.ts",
  "src/runtime/node/native-typescript.ts",
  "src/runtime/node/compile-cache.ts",
];

/**
 * The CLI, bundled on its own (chunks in dist/chunks/cli/): bin/bento-kit.mjs
 * loads bootstrap.js, which loads main.js, which loads one command.
 */
export const CLI_ENTRY_POINTS = ["src/cli/bootstrap.ts", "src/cli/main.ts"];

/** The module-level names of node:http the shim exports: its plain values (not the lazy getters that load undici). */
const HTTP_NAMES = Object.entries(Object.getOwnPropertyDescriptors(createRequire(import.meta.url)("node:http")))
  .filter(([name, d]) => "value" in d && /^[A-Za-z_$][\w$]*$/.test(name))
  .map(([name]) => name);

/** Every `import ... from "node:http"` (or "http") in the bundle reads the built-in module instead. */
const nodeHttpShim = {
  name: "node-http-shim",
  setup(b) {
    b.onResolve(
      { filter: /^(node:)?http$/ },
      (args) =>
        args.namespace === "node-http-shim" ? { path: "node:http", external: true } : {
          path: "node:http",
          namespace: "node-http-shim",
        },
    );
    b.onLoad({ filter: /.*/, namespace: "node-http-shim" }, () => ({
      // Node 22.0-22.2 have no process.getBuiltinModule: the ES import there (no undici in those either).
      contents: `const http = process.getBuiltinModule?.("node:http") ?? (await import("node:http")).default;\n` +
        `export default http;\n` +
        `export const { ${HTTP_NAMES.join(", ")} } = http;\n`,
      loader: "js",
    }));
  },
};

/** What both builds share: ES modules for Node 20+, npm dependencies external (neverthrow bundled). */
const common = {
  absWorkingDir: root,
  outdir: "dist",
  outbase: ".",
  entryNames: "[dir]/[name]",
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
};

/** mod.ts runs the CLI when it is the main module: its import of the bootstrap is the CLI build's file, not a copy. */
const cliExternal = {
  name: "cli-external",
  setup(b) {
    b.onResolve(
      { filter: /^\.\/src\/cli\/bootstrap\.ts$/ },
      (args) => args.importer === join(root, "mod.ts") ? { path: "./src/cli/bootstrap.js", external: true } : undefined,
    );
  },
};

rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ENTRY_POINTS,
  chunkNames: "chunks/[name]-[hash]",
  plugins: [nodeHttpShim, cliExternal],
});
await build({
  ...common,
  entryPoints: CLI_ENTRY_POINTS,
  chunkNames: "chunks/cli/[name]-[hash]",
  plugins: [nodeHttpShim],
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
