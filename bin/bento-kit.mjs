#!/usr/bin/env node
// The `bento-kit` command. Node runs TypeScript through tsx; Bun and Deno natively.

// Until the CLI listens for stop signals itself, nothing has been started: a
// Ctrl+C or SIGTERM then simply means "exit now", with code 0.
const exitNow = () => process.exit(0);
const early = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const s of early) process.on(s, exitNow);

// tsx's main entry is the loader `node --import tsx` uses: it hooks both ESM and
// CommonJS, so a bento.config.ts loads whatever "type" its package.json has.
if (!globalThis.Bun && !globalThis.Deno) await import("tsx");
const { runCli } = await import("../src/cli/main.ts");
for (const s of early) process.off(s, exitNow);
await runCli();
