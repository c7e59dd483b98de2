#!/usr/bin/env node
// The `bento-kit` command. Node runs TypeScript through tsx; Bun and Deno natively.

// Until `serve` listens for stop signals itself, nothing has been started: a
// Ctrl+C or SIGTERM then simply means "exit now", with code 0. `serve` removes
// these handlers once its own are in place (so no signal falls in between).
const exitNow = () => process.exit(0);
const early = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const s of early) process.on(s, exitNow);
globalThis[Symbol.for("bento-kit.early-stop")] = () => early.forEach((s) => process.off(s, exitNow));

// tsx's main entry is the loader `node --import tsx` uses: it hooks both ESM and
// CommonJS, so a bento.config.ts loads whatever "type" its package.json has.
if (!globalThis.Bun && !globalThis.Deno) await import("tsx");
const { runCli } = await import("../src/cli/main.ts");
await runCli();
