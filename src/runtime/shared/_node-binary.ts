/**
 * How a `module` worker runs on Node: plain `node module.js`, or with the tsx
 * loader (`node --import tsx module.ts`) for TypeScript. Under a Bun or Deno
 * supervisor, Node module workers (`runtime: "node"`, gRPC pools) run so too.
 * `bunx --bun` puts a `node` on PATH that is Bun itself, so Node is the first
 * `node` on PATH whose real path is not the running runtime's own binary.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { packageModule } from "../../package-file.ts";
import { findExecutables } from "./_which.ts";

export function findNode(path = process.env.PATH ?? "", self = process.execPath): string {
  const own = realOrSelf(self);
  return findExecutables("node", "/", path).find((candidate) => realOrSelf(candidate) !== own) ?? "node";
}

/** TypeScript needs tsx on Node; so does any module while bento-kit itself runs from source (its worker library is .ts then). */
export function nodeModuleArgv(module: string, node: string = findNode()): readonly string[] {
  if (!needsTsx(module)) return [node, module];
  // A TypeScript module under a package.json that is not "type": "module" loads as an ES module all the same.
  const esm = isTypeScript(module) && !moduleTyped(dirname(module))
    ? ["--import", packageModule("src/runtime/node/esm-syntax-hook")]
    : [];
  return [node, "--import", import.meta.resolve("tsx"), ...esm, module];
}

/** Whether the package.json nearest to `dir` says "type": "module". */
export function moduleTyped(dir: string): boolean {
  for (let d = dir;; d = dirname(d)) {
    const file = join(d, "package.json");
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) as { type?: unknown }).type === "module";
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

const TYPESCRIPT = /\.[cm]?tsx?$/;
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** A file Node runs only through tsx (.ts, .mts, .cts, .tsx). */
export function isTypeScript(file: string): boolean {
  return TYPESCRIPT.test(file);
}

export function needsTsx(file: string): boolean {
  return FROM_SOURCE || isTypeScript(file);
}

function realOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
