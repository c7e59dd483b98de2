/**
 * A pool's `reload` setting in the manifest: `reload: { include: ["*.py"] }`
 * says which changed files concern the pool under `serve --reload`, instead of
 * what its entry module imports (module pools) or every change (argv pools).
 * Patterns are `.gitignore`-style (reload-rules.ts), relative to the pool's
 * working directory (the service directory unless `--working-dir` says
 * otherwise); `include: []` means no code change restarts the pool.
 */
import type { Checker } from "./_checker.ts";
import { compile, matchesPath } from "./reload-rules.ts";
import type { PoolReloadSpec } from "./types.ts";

export interface PoolReloadInput {
  /** Patterns of the files that concern this pool, e.g. `["*.py", "models/*.json"]`. */
  readonly include: readonly string[];
}

export function validatePoolReload(c: Checker, value: unknown, path: string): PoolReloadSpec | undefined {
  if (value === undefined) return undefined;
  const example = 'e.g. { include: ["*.py"] }';
  if (!c.object(value, path, `an object with include, ${example}`)) return undefined;
  c.knownKeys(value, path, ["include"]);
  const include = value.include;
  if (!Array.isArray(include) || include.some((p) => typeof p !== "string" || p.trim() === "")) {
    c.issue(`${path}.include`, `expected a list of file patterns, ${example}; got ${JSON.stringify(include)}`);
    return undefined;
  }
  return { include: [...include] };
}

/** True when `relPath` (relative to the pool's working directory, `/`-separated) concerns a pool declaring `spec`. */
export function poolIncludes(spec: PoolReloadSpec, relPath: string): boolean {
  return !relPath.startsWith("../") && matchesPath(compile(spec.include), relPath, false);
}
