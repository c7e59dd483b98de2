/**
 * Module workers under Bun and Deno run on Node with the tsx loader (neither
 * runtime can listen on an inherited fd). `bunx --bun` puts a `node` on PATH
 * that is Bun itself, so Node is the first `node` on PATH whose real path is
 * not the running runtime's own binary.
 */
import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";

export function findNode(path = process.env.PATH ?? "", self = process.execPath): string {
  const own = realOrSelf(self);
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, "node");
    try {
      accessSync(candidate, constants.X_OK);
      if (realOrSelf(candidate) !== own) return candidate;
    } catch {
      // not here
    }
  }
  return "node";
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
