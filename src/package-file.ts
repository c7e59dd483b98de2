/**
 * A file that ships with bento-kit, found the same way from the source
 * (`src/metrics-server/main.ts`, also as published on JSR) and from the
 * compiled npm package (`dist/src/metrics-server/main.js`), where the bundler
 * may have moved the calling code into a shared chunk: the package root is the
 * nearest directory above this module that holds `src/cli/main` itself.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const here = filePath(import.meta.url);
const ext = here.endsWith(".js") ? ".js" : ".ts";
let root: string | undefined;

/**
 * The path of a file: URL, as node:url's fileURLToPath gives it on POSIX,
 * without importing node:url: on Bun that module costs the supervisor's start.
 */
function filePath(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "file:") throw new TypeError(`Not a file: URL: ${url}`);
  return decodeURIComponent(parsed.pathname);
}

/** The directory that holds `src/cli/main`: the checkout from source, `dist/` in the compiled package. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(here);
  for (let i = 0; i < 8 && !existsSync(join(dir, "src", "cli", `main${ext}`)); i++) dir = dirname(dir);
  return (root = dir);
}

/** A module of the package, without extension (`src/metrics-server/main`): its .ts or .js file. */
export function packageModule(path: string): string {
  return join(packageRoot(), `${path}${ext}`);
}

/** Any other file of the package (`src/worker/protos/health.proto`). */
export function packageAsset(path: string): string {
  return join(packageRoot(), path);
}
