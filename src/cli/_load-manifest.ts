/**
 * Find and load `bento.config.ts` / `.js` / `.mjs` / `.json` from a service
 * directory, validate it, and resolve module paths against that directory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { err, type Result } from "neverthrow";
import { manifestInvalid, manifestNotFound, type ManifestInvalid, type ManifestNotFound } from "../core/errors.ts";
import { type ServiceDef, validateManifest } from "../core/manifest.ts";
import type { Command } from "../core/types.ts";

export const MANIFEST_FILES = ["bento.config.ts", "bento.config.mts", "bento.config.js", "bento.config.mjs", "bento.config.json"];

export interface LoadedService {
  readonly dir: string;
  readonly file: string;
  readonly service: ServiceDef;
}

export async function loadService(dir: string): Promise<Result<LoadedService, ManifestInvalid | ManifestNotFound>> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    return err(manifestNotFound(root, `Service directory ${dir} does not exist: pass the directory that holds bento.config.ts`));
  }
  const name = MANIFEST_FILES.find((f) => existsSync(join(root, f)));
  if (!name) {
    return err(manifestNotFound(root, `No ${MANIFEST_FILES.join(", ")} in ${root}: create one (see README, "The manifest")`));
  }
  const file = join(root, name);
  let input: unknown;
  try {
    input = name.endsWith(".json")
      ? JSON.parse(readFileSync(file, "utf8"))
      : await import(pathToFileURL(file).href).then((m) => unwrapDefault(m.default ?? m.service));
  } catch (cause) {
    return err(manifestInvalid(file, [{ path: "(file)", message: `cannot be loaded: ${loadFailure(cause, root)}` }]));
  }
  if (input === undefined) {
    return err(manifestInvalid(file, [{ path: "(file)", message: "has no default export: write `export default defineService({ ... })`" }]));
  }
  return validateManifest(input, file).map((service) => ({ dir: root, file, service: resolveModules(service, root) }));
}

function resolveModules(service: ServiceDef, root: string): ServiceDef {
  const fix = (c: Command): Command =>
    c.kind === "module" && !isAbsolute(c.module) ? { ...c, module: resolve(root, c.module) } : c;
  return {
    ...service,
    api: { ...service.api, command: fix(service.api.command) },
    runners: service.runners.map((r) => ({ ...r, command: fix(r.command) })),
  };
}


/** A TypeScript manifest loaded as CommonJS has its default export one level down. */
function unwrapDefault(value: unknown): unknown {
  const inner = (value as { default?: unknown } | null)?.default;
  return inner !== undefined && !(value as { name?: unknown }).name ? inner : value;
}

/** Why a manifest module failed to load, with the hint that fixes the common cases. */
function loadFailure(cause: unknown, dir: string): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === "ERR_REQUIRE_ESM" || code === "ERR_REQUIRE_ASYNC_MODULE" || /Cannot require\(\) ES Module|"cjs" output format/.test(text)) {
    return `it was loaded as CommonJS: add "type": "module" to the package.json that governs ${dir}, or rename it bento.config.mts`;
  }
  // Bun reports build errors as a list of messages with positions.
  const details = ((cause as { errors?: unknown } | null)?.errors as { message?: string; position?: { line: number; column: number } }[] | undefined)
    ?.map((e) => `${e.message}${e.position ? ` (line ${e.position.line}, column ${e.position.column})` : ""}`) ?? [];
  const lines = [...text.split("\n"), ...details].map((l) => l.trim()).filter(Boolean);
  return lines.slice(0, 4).join(" | ");
}
