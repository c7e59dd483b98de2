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

/**
 * TypeScript runs through tsx on Node; so does any module while bento-kit itself runs from source (its worker
 * library is .ts then). `nodeStripsTypes`: the worker's Node is this one, and it runs TypeScript itself: then
 * tsx is loaded only for a worker Node refuses (src/runtime/node/native-typescript.ts), and a JavaScript
 * worker gets Node's compile cache (src/runtime/node/compile-cache.ts), as a TypeScript one does.
 */
export function nodeModuleArgv(
  module: string,
  node: string = findNode(),
  nodeStripsTypes = false,
): readonly string[] {
  // From source, a JavaScript worker may import bento-kit's TypeScript (its fixtures do): the same hook runs it.
  // The files are read only for a Node that can use the answer.
  const typescript = nodeStripsTypes &&
    ((NATIVE_TYPESCRIPT.test(module) && nodeCompatible(dirname(module))) || (FROM_SOURCE && !isTypeScript(module)));
  if (typescript && esModule(module)) return [node, "--import", nativeTypeScriptHook(), module];
  if (!needsTsx(module)) {
    return nodeStripsTypes ? [node, "--import", packageModule(COMPILE_CACHE_HOOK), module] : [node, module];
  }
  // A TypeScript module under a package.json that is not "type": "module" loads as an ES module all the same.
  const esm = isTypeScript(module) && !esModule(module)
    ? ["--import", packageModule("src/runtime/node/esm-syntax-hook")]
    : [];
  return [node, "--import", import.meta.resolve("tsx"), ...esm, module];
}

/** Preloaded into a JavaScript worker: Node's compile cache on. */
const COMPILE_CACHE_HOOK = "src/runtime/node/compile-cache";

/** The module that runs a TypeScript worker with Node's type stripping, tsx its fallback. */
export function nativeTypeScriptHook(): string {
  return packageModule("src/runtime/node/native-typescript");
}

/** A module Node loads as an ES module: .mts or .mjs, or under a package.json that says "type": "module". */
function esModule(module: string): boolean {
  return /\.m[jt]s$/.test(module) || (!/\.c[jt]s$/.test(module) && moduleTyped(dirname(module)));
}

/**
 * Whether this Node runs TypeScript workers itself, with what the fallback to tsx needs (Node 22.18, 23.6
 * and later): type stripping on (not switched off by `--no-experimental-strip-types`), module hooks in the
 * thread (`module.registerHooks`).
 */
export function stripsTypes(): boolean {
  return Boolean((process.features as { typescript?: string | false }).typescript) &&
    typeof (process.getBuiltinModule?.("node:module") as { registerHooks?: unknown } | undefined)?.registerHooks ===
      "function";
}

/**
 * Whether the tsconfig.json nearest to `dir` asks for the TypeScript Node runs: `verbatimModuleSyntax` (imports
 * kept as written, as Node keeps them: tsx drops an import used only as a type, and with it that module's side
 * effects and place in the load order), and none of what tsx honours and Node does not: `experimentalDecorators`,
 * `useDefineForClassFields: false` or a `target` below ES2022 (class fields set differently). (A `paths` alias
 * Node cannot resolve fails before the worker runs: tsx then takes over, as for any refusal.) Read as
 * text (a tsconfig may hold comments); options a tsconfig `extends` are not followed, so a project that sets
 * `verbatimModuleSyntax` only in a base it extends keeps tsx. No tsconfig.json: tsx, as before.
 */
export function nodeCompatible(dir: string): boolean {
  const text = nearest(dir, "tsconfig.json");
  if (text === undefined || !/"verbatimModuleSyntax"\s*:\s*true/.test(text)) return false;
  return !/"experimentalDecorators"\s*:\s*true|"useDefineForClassFields"\s*:\s*false/.test(text) &&
    !/"target"\s*:\s*"es(?:3|5|6|20(?:1[5-9]|2[01]))"/i.test(text);
}

/** The text of the file `name` nearest to `dir` (in it or above), or undefined (none, or unreadable). */
function nearest(dir: string, name: string): string | undefined {
  for (let d = dir;; d = dirname(d)) {
    const file = join(d, name);
    if (existsSync(file)) {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    }
    if (dirname(d) === d) return undefined;
  }
}

/** Whether the package.json nearest to `dir` says "type": "module". */
export function moduleTyped(dir: string): boolean {
  const text = nearest(dir, "package.json");
  if (text === undefined) return false;
  try {
    return (JSON.parse(text.replace(/^\uFEFF/, "")) as { type?: unknown }).type === "module";
  } catch {
    return false;
  }
}

const TYPESCRIPT = /\.[cm]?tsx?$/;
/** What Node's type stripping loads as an ES module: not .tsx (JSX), not .cts. */
const NATIVE_TYPESCRIPT = /\.m?ts$/;
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
