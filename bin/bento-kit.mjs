#!/usr/bin/env node
// The `bento-kit` command. Installed from npm it runs the compiled CLI in
// dist/; in a checkout of the repository (src/ present) it runs the source,
// through tsx on Node and natively on Bun and Deno.
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Until `serve` listens for stop signals itself, nothing has been started: a
// Ctrl+C or SIGTERM then simply means "exit now", with code 0. `serve` removes
// these handlers once its own are in place (so no signal falls in between).
const exitNow = () => process.exit(0);
const early = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const s of early) process.on(s, exitNow);
globalThis[Symbol.for("bento-kit.early-stop")] = () => early.forEach((s) => process.off(s, exitNow));

const fromSource = sourceCheckout();
const cli = fromSource ? "../src/cli/" : "../dist/src/cli/";
const ext = fromSource ? ".ts" : ".js";

// Deno (`deno run npm:bento-kit`): name the missing permissions in one line
// before anything below reads the environment or a file.
if (globalThis.Deno) (await import(`${cli}_deno-permissions${ext}`)).checkDenoPermissions();

// tsx caches what it compiles in $TMPDIR and throws a raw stack trace when it
// cannot create it: without a usable temp dir, compile without the cache, so
// that the CLI itself reports the temp dir in one line.
if (!globalThis.Bun && !globalThis.Deno && !tempDirUsable()) process.env.TSX_DISABLE_CACHE = "1";

// The TLS key's password reaches no other process: not even tsx's esbuild
// helper, which inherits this environment (src/cli/_tls-args.ts reads it here).
if (process.env.BENTO_SSL_KEYFILE_PASSWORD !== undefined) {
  globalThis[Symbol.for("bento-kit.ssl-keyfile-password")] = process.env.BENTO_SSL_KEYFILE_PASSWORD;
  delete process.env.BENTO_SSL_KEYFILE_PASSWORD;
}

// Read now: once the descriptors have run out, /proc/self/limits cannot be opened.
const fileLimit = openFileLimit();
try {
  // From source, Node needs tsx for bento-kit's own code. The compiled CLI loads
  // it later, and only for a TypeScript manifest (src/cli/_load-manifest.ts).
  if (fromSource && !globalThis.Bun && !globalThis.Deno) await import("tsx");
  // As PID 1 (a container without --init) orphans must be reaped: see src/cli/_pid1.ts.
  const mode = process.pid === 1 ? await (await import(`${cli}_pid1${ext}`)).asInit() : "not-pid1";
  if (mode !== "wrapped") {
    const { runCli } = await import(`${cli}main${ext}`);
    await runCli();
  }
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
