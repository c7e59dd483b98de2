/**
 * Node module workers under a Bun or Deno supervisor (`runtime: "node"`, and
 * gRPC pools) run on Node with the tsx loader. `bunx --bun` puts a `node` on PATH
 * that is Bun itself, so Node is the first `node` on PATH whose real path is
 * not the running runtime's own binary.
 */
import { realpathSync } from "node:fs";
import { findExecutables } from "./_which.ts";

export function findNode(path = process.env.PATH ?? "", self = process.execPath): string {
  const own = realOrSelf(self);
  return findExecutables("node", "/", path).find((candidate) => realOrSelf(candidate) !== own) ?? "node";
}

export function nodeModuleArgv(module: string): readonly string[] {
  return [findNode(), "--import", import.meta.resolve("tsx"), module];
}

function realOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
