/**
 * Preloaded into a JavaScript worker on Node (`node --import <this file> worker.js`;
 * src/runtime/shared/_node-binary.ts): Node keeps what it compiles in its compile cache
 * (`$TMPDIR/node-compile-cache`, as bin/bento-kit.mjs does for the CLI and
 * native-typescript.ts for TypeScript workers), so a worker's start after the first compiles
 * nothing it did before. `NODE_COMPILE_CACHE` chooses the directory,
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import { enableCompileCache } from "node:module";

enableCompileCache();
