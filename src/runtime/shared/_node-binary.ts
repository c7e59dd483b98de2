/**
 * How a `module` worker runs on Node: plain `node module.js`, or with the tsx
 * loader (`node --import tsx module.ts`) for TypeScript. Under a Bun or Deno
 * supervisor, Node module workers (`runtime: "node"`, gRPC pools) run so too.
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
