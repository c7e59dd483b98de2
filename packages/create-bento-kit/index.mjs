#!/usr/bin/env node
// `npm create bento-kit DIR` (npm exec create-bento-kit), `pnpm create`, `yarn create`,
// `bun create bento-kit DIR` (bunx create-bento-kit) and `deno run -A npm:create-bento-kit DIR`
// (or `deno init --npm bento-kit DIR`): `bento-kit new` with the same arguments, run in this
// process (so on the runtime that runs this file) by the bento-kit this package depends on,
// at the same version. `new` itself checks the arguments and prints the next steps.
import { fileURLToPath } from "node:url";

const bin = new URL("bin/bento-kit.mjs", import.meta.resolve("bento-kit/package.json"));
// The CLI reads process.argv; argv[1] is the script a PID 1 re-exec runs again (src/cli/_pid1.ts).
process.argv.splice(1, process.argv.length, fileURLToPath(bin), "new", ...process.argv.slice(2));
await import(bin.href);
