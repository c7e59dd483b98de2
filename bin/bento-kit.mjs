#!/usr/bin/env node
// The `bento-kit` command. Installed from npm it runs the compiled CLI in
// dist/; in a checkout of the repository (src/ present) it runs the source,
// through tsx on Node and natively on Bun and Deno.
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const fromSource = sourceCheckout();
const cli = fromSource ? "../src/cli/" : "../dist/src/cli/";
const ext = fromSource ? ".ts" : ".js";
const onNode = !globalThis.Bun && !globalThis.Deno;
// From a checkout Node runs bento-kit's own code through tsx; Bun, Deno and the compiled CLI need nothing.
const viaTsx = fromSource && onNode;
// Node 22.1 and later keep the compiled code of the installed CLI in the temp
// dir (node-compile-cache), so a start after the first compiles a third less.
if (!fromSource && onNode) {
  process.getBuiltinModule?.("node:module").enableCompileCache?.();
}
let fileLimit;
try {
  // The CLI's start, shared with mod.ts (src/cli/bootstrap.ts): from here on a
  // stop signal means "exit now" (code 0), and under Deno (`deno run
  // npm:bento-kit`) the missing permissions are named in one line before
  // anything below reads the environment or a file. Node in a checkout loads
  // it once tsx is loaded (below); until then a stop signal ends the process
  // the default way, with nothing started.
  const bootstrap = viaTsx ? undefined : await prepareCli();

  // tsx caches what it compiles in $TMPDIR and throws a raw stack trace when it
  // cannot create it: without a usable temp dir, compile without the cache, so
  // that the CLI itself reports the temp dir in one line.
  if (onNode && !tempDirUsable()) process.env.TSX_DISABLE_CACHE = "1";

  // The TLS key's password and the admin token reach no other process: not even
  // tsx's esbuild helper, which inherits this environment (src/launch/_tls.ts
  // and src/launch/_secret-env.ts read them here).
  for (
    const [name, key] of [
      ["BENTO_SSL_KEYFILE_PASSWORD", "bento-kit.ssl-keyfile-password"],
      ["BENTO_ADMIN_TOKEN", "bento-kit.admin-token"],
    ]
  ) {
    if (process.env[name] === undefined) continue;
    globalThis[Symbol.for(key)] = process.env[name];
    delete process.env[name];
  }

  // Read now: once the descriptors have run out, /proc/self/limits cannot be opened.
  fileLimit = openFileLimit();
  // From source, Node needs tsx for bento-kit's own code. The compiled CLI loads
  // it later, and only for a TypeScript manifest (src/cli/_load-manifest.ts).
  if (viaTsx) await import("tsx");
  await (bootstrap ?? await prepareCli()).startCli();
} catch (error) {
  if (error?.code !== "EMFILE") throw error;
  // Loading the CLI itself ran out of file descriptors (`ulimit -n` far too low).
  process.stderr.write(
    `Error: Too many open files (EMFILE) while bento-kit was starting${
      fileLimit ? `: the open-file limit is ${fileLimit}` : ""
    }; ` +
      "raise it, e.g. ulimit -n 1024, and start again\n",
  );
  process.exit(2);
}

/** src/cli/bootstrap.ts (dist/src/cli/bootstrap.js compiled), its prepareCli() done. */
async function prepareCli() {
  const bootstrap = await import(`${cli}bootstrap${ext}`);
  bootstrap.prepareCli();
  return bootstrap;
}

function sourceCheckout() {
  try {
    return existsSync(new URL("../src/cli/main.ts", import.meta.url));
  } catch {
    return false; // Deno without --allow-read: the installed package
  }
}

function tempDirUsable() {
  try {
    rmdirSync(mkdtempSync(join(tmpdir(), "bento-kit-probe-")));
    return true;
  } catch {
    return false;
  }
}

function openFileLimit() {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    return line?.slice("Max open files".length).trim().split(/\s+/)[0];
  } catch {
    return undefined;
  }
}
