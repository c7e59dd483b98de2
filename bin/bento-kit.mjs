#!/usr/bin/env node
// The `bento-kit` command. Node runs TypeScript through tsx; Bun and Deno natively.
if (!globalThis.Bun && !globalThis.Deno) {
  const { register } = await import("tsx/esm/api");
  register();
}
const { runCli } = await import("../src/cli/main.ts");
await runCli();
