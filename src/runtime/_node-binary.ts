/**
 * How a `module` worker runs on Node: plain `node module.js`, or with the tsx
 * loader (`node --import tsx module.ts`) for TypeScript. Module workers under
 * Bun and Deno run on Node too (neither runtime can listen on an inherited fd).
 * `bunx --bun` puts a `node` on PATH that is Bun itself, so Node is the first
 * `node` on PATH whose real path is not the running runtime's own binary.
 */
import { realpathSync } from "node:fs";
import { findExecutables } from "./_which.ts";

export function findNode(path = process.env.PATH ?? "", self = process.execPath): string {
  const own = realOrSelf(self);
  return findExecutables("node", "/", path).find((candidate) => realOrSelf(candidate) !== own) ?? "node";
}

/** TypeScript needs tsx on Node; so does any module while bento-kit itself runs from source (its worker library is .ts then). */
export function nodeModuleArgv(module: string, node: string = findNode()): readonly string[] {
  return needsTsx(module) ? [node, "--import", import.meta.resolve("tsx"), module] : [node, module];
}

const TYPESCRIPT = /\.[cm]?tsx?$/;
const FROM_SOURCE = import.meta.url.endsWith(".ts");

export function needsTsx(file: string): boolean {
  return FROM_SOURCE || TYPESCRIPT.test(file);
}

function realOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
