/**
 * Which pools a code change concerns, so that a reload rolls only those: a
 * pool whose command is a TypeScript/JavaScript module is concerned by the
 * files its entry module imports, directly or not (relative `import`/`export
 * ... from`, `import()` and `require()` with a literal path). A pool run from
 * an argv command (Python, a binary) is concerned by every change, and so is
 * every pool when a changed file is not a module one of them imports (a data
 * file, a module loaded some other way): better one reload too many. A pool
 * that declares its files (`reload: { include }`, pool-reload.ts) is concerned
 * by those alone.
 */
import { poolIncludes } from "./pool-reload.ts";
import type { WatcherSpec } from "./types.ts";

const CODE = /\.(?:[cm]?[jt]sx?)$/;
/** `import ... from`, `export ... from`, `import type ... from`, `import "..."`. */
const STATIC = /(?:\bfrom\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
/** `import("...")`, `require("...")`, with a literal path. */
const DYNAMIC = /(?:\bimport\s*\(\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/gm;

/**
 * The names of the pools `changed` (absolute paths) concerns. A pool that
 * declares its files is concerned by those alone. Every other pool when one
 * changed file is neither declared by a pool nor a module a module pool
 * imports. `read` gives a file's text, undefined if it cannot be read.
 */
export function poolsConcerned(
  watchers: readonly WatcherSpec[],
  changed: readonly string[],
  read: (path: string) => string | undefined,
): Set<string> {
  const concerned = new Set<string>();
  const accounted = new Set<string>();
  for (const w of watchers) {
    const spec = w.reload;
    if (spec === undefined) continue;
    const mine = changed.filter((f) => poolIncludes(spec, relativeTo(w.cwd, f)));
    for (const f of mine) accounted.add(f);
    if (mine.length > 0) concerned.add(w.name);
  }
  const others = watchers.filter((w) => w.reload === undefined);
  for (const w of others) {
    if (w.command.kind !== "module") {
      concerned.add(w.name);
      continue;
    }
    const files = moduleFiles(w.command.module, read);
    const mine = changed.filter((f) => CODE.test(f) && files.has(f));
    for (const f of mine) accounted.add(f);
    if (mine.length > 0) concerned.add(w.name);
  }
  if (changed.every((f) => accounted.has(f))) return concerned;
  return new Set([...concerned, ...others.map((w) => w.name)]);
}

/** `entry` and every module it imports through relative specifiers, transitively. */
export function moduleFiles(entry: string, read: (path: string) => string | undefined): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0 && seen.size < 10_000) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const text = read(file);
    if (text === undefined) continue;
    seen.add(file);
    for (const specifier of relativeSpecifiers(text, { dynamic: true })) {
      const found = resolveImport(file, specifier, read);
      if (found && !seen.has(found)) queue.push(found);
    }
  }
  return seen;
}

/**
 * The relative specifiers a module's text imports: the static ones (`import`
 * and `export ... from`, type-only ones included, `import "..."`) and, with
 * `dynamic`, `import()` and `require()` with a literal path too.
 */
export function relativeSpecifiers(text: string, options: { readonly dynamic: boolean }): string[] {
  const found = [...text.matchAll(STATIC)];
  if (options.dynamic) found.push(...text.matchAll(DYNAMIC));
  return found.map((m) => m[1]!);
}

/**
 * The file (absolute path) a relative `specifier` in `file` names: `./x.ts`,
 * `./x.js` (a `.ts` file written as `.js`, as tsc wants), `./x`, `./dir` (its
 * index); undefined when none can be read.
 */
export function resolveImport(
  file: string,
  specifier: string,
  read: (path: string) => string | undefined,
): string | undefined {
  const base = normalize(`${dirname(file)}/${specifier.split(/[?#]/)[0]}`);
  const stem = base.replace(/\.[cm]?js$/, "");
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.tsx`,
    `${base}.ts`,
    `${base}.js`,
    `${base}/index.ts`,
    `${base}/index.js`,
  ];
  return candidates.find((c) => CODE.test(c) && read(c) !== undefined);
}

/** `path` relative to the directory `dir` (both absolute, normalized); `../...` when outside it. */
function relativeTo(dir: string, path: string): string {
  const base = normalize(dir);
  if (path.startsWith(`${base}/`)) return path.slice(base.length + 1);
  return base === "/" ? path.slice(1) : `../${path}`;
}

function dirname(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf("/"))) || "/";
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return `/${out.join("/")}`;
}
