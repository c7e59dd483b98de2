/**
 * Find and load `bento.config.ts` / `.js` / `.mjs` / `.json` from a service
 * directory, validate it, and resolve module paths against that directory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { err, type Result } from "neverthrow";
import {
  type ManifestInvalid,
  manifestInvalid,
  type ManifestNotFound,
  manifestNotFound,
  type ManifestTimedOut,
  manifestTimedOut,
} from "../core/errors.ts";
import { type ServiceDef, validateManifest, type ValidateOptions } from "../core/manifest.ts";
import type { Command } from "../core/types.ts";
import { detectRuntime } from "../runtime/detect.ts";
import { isTypeScript, moduleTyped } from "../runtime/shared/_node-binary.ts";
import { reloadsFailedModules } from "../runtime/shared/_node-reload.ts";
import { ExitCalled, withoutExit } from "./_exit-guard.ts";

export const MANIFEST_FILES = [
  "bento.config.ts",
  "bento.config.mts",
  "bento.config.js",
  "bento.config.mjs",
  "bento.config.json",
];

export interface LoadedService {
  readonly dir: string;
  readonly file: string;
  readonly service: ServiceDef;
}

export interface LoadOptions extends ValidateOptions {
  /** Load the manifest module again, not the copy imported before (`serve --reload`): a new number each time. */
  readonly fresh?: number;
}

export async function loadService(
  dir: string,
  options: LoadOptions = {},
): Promise<Result<LoadedService, ManifestInvalid | ManifestNotFound | ManifestTimedOut>> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    return err(
      manifestNotFound(root, `Service directory ${dir} does not exist: pass the directory that holds bento.config.ts`),
    );
  }
  const name = MANIFEST_FILES.find((f) => existsSync(join(root, f)));
  if (!name) {
    return err(
      manifestNotFound(root, `No ${MANIFEST_FILES.join(", ")} in ${root}: create one (see README, "The manifest")`),
    );
  }
  const file = join(root, name);
  let input: unknown;
  try {
    input = name.endsWith(".json") ? JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) : await withDeadline(
      // A process.exit() in the manifest must not end the supervisor: it fails the load instead.
      withoutExit(() => importManifestModule(file, options.fresh)).then((m) => unwrapDefault(m.default ?? m.service)),
      loadTimeoutMs(),
    );
  } catch (cause) {
    if (cause === TIMED_OUT) return err(manifestTimedOut(file, loadTimeoutMs() / 1000, LOAD_TIMEOUT_ENV));
    return err(manifestInvalid(file, [{ path: "(file)", message: `cannot be loaded: ${loadFailure(cause, root)}` }]));
  }
  if (input === undefined) {
    return err(
      manifestInvalid(file, [{
        path: "(file)",
        message: "has no default export: write `export default defineService({ ... })`",
      }]),
    );
  }
  return validateManifest(input, file, options).map((service) => ({
    dir: root,
    file,
    service: resolveModules(service, root),
  }));
}

/**
 * A TypeScript manifest under the compiled CLI on Node. Node 24 and later
 * strip types themselves (`process.features.typescript`; Node 22.18 too, but
 * it keeps a refused module refused once tsx is loaded), so the
 * manifest is imported as it is; tsx (its ESM and CommonJS hooks: a loader
 * thread and an esbuild service, about 45 ms of CPU and 5 MiB on Node 24) is
 * loaded only when Node cannot load it: syntax that needs transforming (enum,
 * namespace, parameter properties), an import without its extension,
 * TypeScript inside node_modules; or a manifest that its package.json does not
 * make an ES module (tsx loads those as before). Such a
 * failure comes before the module runs, and Node does not keep a failed ES
 * module: the same import starts afresh once tsx is loaded. Bun and Deno run TypeScript
 * themselves, and from source bin/bento-kit.mjs has loaded tsx already
 * (importing it again is a no-op).
 */
const TSX: string = "tsx"; // tsx's loader entry has no types

async function importManifestModule(file: string, fresh: number | undefined): Promise<Record<string, unknown>> {
  if (detectRuntime() !== "node" || !isTypeScript(file)) return importManifest(file, fresh);
  // Only an ES module by its package.json or name: Node warns when it loads TypeScript as CommonJS and fails.
  const esm = file.endsWith(".mts") || moduleTyped(dirname(file));
  // Node 22 keeps a module it refused refused, even once tsx is loaded: there tsx loads every TypeScript manifest.
  if (esm && (process.features as { typescript?: string | false }).typescript && reloadsFailedModules()) {
    try {
      return await importManifest(file, fresh);
    } catch (cause) {
      if (!needsTranspiler(cause)) throw cause;
    }
  }
  await import(TSX);
  return importManifest(file, fresh);
}

/** What Node's own TypeScript loading refuses and tsx loads (see importManifestModule). */
const NATIVE_TS_REFUSALS = new Set([
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
  "ERR_MODULE_NOT_FOUND",
  "ERR_UNSUPPORTED_DIR_IMPORT",
  "ERR_UNKNOWN_FILE_EXTENSION",
  "ERR_REQUIRE_ESM",
  "ERR_REQUIRE_ASYNC_MODULE",
]);

function needsTranspiler(cause: unknown): boolean {
  return cause instanceof SyntaxError || NATIVE_TS_REFUSALS.has(String((cause as { code?: unknown } | null)?.code));
}

/**
 * Node (tsx) and Deno load a module again under a new URL: a query string.
 * Bun ignores the query for a file it has loaded; it forgets the module once
 * it is out of its require cache (which holds ES modules too).
 */
async function importManifest(file: string, fresh: number | undefined): Promise<Record<string, unknown>> {
  const { pathToFileURL } = await import("node:url"); // not for a JSON manifest
  if (fresh === undefined) return import(pathToFileURL(file).href);
  const cache = (import.meta as { require?: NodeJS.Require }).require?.cache;
  if (cache) delete cache[file];
  return import(`${pathToFileURL(file).href}?reload=${fresh}`);
}

/** Seconds a manifest module may take to load (its top-level awaits included). */
export const LOAD_TIMEOUT_ENV = "BENTO_MANIFEST_TIMEOUT";
const DEFAULT_LOAD_TIMEOUT_S = 30;
const TIMED_OUT = Symbol("timed out");

function loadTimeoutMs(): number {
  const seconds = Number(process.env[LOAD_TIMEOUT_ENV]);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LOAD_TIMEOUT_S) * 1000;
}

/**
 * `promise`, or a rejection with TIMED_OUT after `ms`. The timer also keeps the
 * event loop alive: a module whose top-level await never settles would
 * otherwise leave nothing pending, and Node would exit 13 without a word.
 */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(TIMED_OUT), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Module paths in a manifest are relative to its directory. */
export function resolveModules(service: ServiceDef, root: string): ServiceDef {
  const fix = (c: Command): Command =>
    c.kind === "module" && !isAbsolute(c.module) ? { ...c, module: resolve(root, c.module) } : c;
  return {
    ...service,
    api: { ...service.api, command: fix(service.api.command) },
    runners: service.runners.map((r) => ({ ...r, command: fix(r.command) })),
    ...(service.grpc && { grpc: { ...service.grpc, command: fix(service.grpc.command) } }),
  };
}

/** A TypeScript manifest loaded as CommonJS has its default export one level down. */
function unwrapDefault(value: unknown): unknown {
  const inner = (value as { default?: unknown } | null)?.default;
  return inner !== undefined && !(value as { name?: unknown }).name ? inner : value;
}

/** Why a manifest module failed to load, with the hint that fixes the common cases. */
function loadFailure(cause: unknown, dir: string): string {
  if (cause instanceof ExitCalled) {
    return `it called ${cause.call} while loading: the supervisor does not exit for a manifest; throw an Error saying what is missing instead`;
  }
  const text = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  if (
    code === "ERR_REQUIRE_ESM" || code === "ERR_REQUIRE_ASYNC_MODULE" ||
    /Cannot require\(\) ES Module|"cjs" output format/.test(text)
  ) {
    return `it was loaded as CommonJS: add "type": "module" to the package.json that governs ${dir}, or rename it bento.config.mts`;
  }
  // Bun reports build errors as a list of messages with positions.
  const details = ((cause as { errors?: unknown } | null)?.errors as {
    message?: string;
    position?: { line: number; column: number };
  }[] | undefined)
    ?.map((e) => `${e.message}${e.position ? ` (line ${e.position.line}, column ${e.position.column})` : ""}`) ?? [];
  const lines = [...text.split("\n"), ...details].map((l) => l.trim()).filter(Boolean);
  return lines.slice(0, 4).join(" | ");
}
