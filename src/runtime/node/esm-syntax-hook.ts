/**
 * A Node module hook for TypeScript workers whose package.json does not say
 * `"type": "module"` (`npm init -y` writes `"commonjs"`): a `.ts`/`.tsx` file
 * outside node_modules that is written as an ES module (`import`/`export`
 * lines, `import.meta`, top-level await) loads as one, as it does on Bun and
 * Deno; tsx would otherwise compile it to CommonJS, where top-level await is
 * an error. A file written as CommonJS (`require`, `module.exports`) keeps
 * its format. Loaded with `node --import tsx --import <this file>`
 * (src/runtime/shared/_node-binary.ts): it registers itself.
 */
import { readFileSync } from "node:fs";
import { register } from "node:module";

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*"'](?![\w\s]*=\s*require\()|export\s)|\bimport\.meta\b|^\s*await\s/m;

interface Resolved {
  readonly url: string;
  readonly format?: string | null;
}

export async function resolve(
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<Resolved>,
): Promise<Resolved> {
  const resolved = await next(specifier, context);
  if (
    resolved.format === "module" || !/^file:.*\.tsx?$/.test(resolved.url) || resolved.url.includes("/node_modules/")
  ) {
    return resolved;
  }
  try {
    return ESM_SYNTAX.test(readFileSync(new URL(resolved.url), "utf8")) ? { ...resolved, format: "module" } : resolved;
  } catch {
    return resolved;
  }
}

if (!import.meta.url.endsWith("?hook")) register(`${import.meta.url}?hook`);
