/**
 * What an operating system accepts as a worker's environment: a name that is
 * not empty and holds no `=` or NUL, a value with no NUL, and sizes within
 * Linux's exec limits (MAX_ARG_STRLEN per string, about ARG_MAX in all), so a
 * bad variable is named before anything starts instead of failing as E2BIG.
 */
import type { ManifestIssue } from "./errors.ts";

/** Linux's MAX_ARG_STRLEN: one `NAME=value` string, its closing NUL included. */
export const MAX_ENV_STRING = 128 * 1024;
/** argv and environment together, with a pointer each: ARG_MAX under the default 8 MiB stack. */
export const MAX_EXEC_BYTES = 2 * 1024 * 1024;
const POINTER = 8;

export function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Problems with one environment record, each with its path (`path.NAME`). */
export function envIssues(env: Readonly<Record<string, string>>, path: string): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const [name, value] of Object.entries(env)) {
    const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
    if (name === "") issues.push({ path: at, message: "a variable name cannot be empty: remove it or give it a name" });
    else if (name.includes("=")) {
      issues.push({
        path: at,
        message: `a variable name cannot hold "=" (the OS would read it as ${
          JSON.stringify(name.split("=")[0])
        }): rename it`,
      });
    } else if (name.includes("\0")) {
      issues.push({ path: at, message: "a variable name cannot hold a NUL byte (\\0): remove it" });
    }
    if (value.includes("\0")) {
      issues.push({
        path: at,
        message: "the value holds a NUL byte (\\0), which no environment variable can carry: remove it",
      });
    }
    const bytes = utf8Length(name) + 1 + utf8Length(value) + 1;
    if (bytes > MAX_ENV_STRING) {
      issues.push({
        path: at,
        message:
          `is ${bytes} bytes, over the ${MAX_ENV_STRING}-byte limit Linux puts on one variable (MAX_ARG_STRLEN): put the data in a file and pass its path`,
      });
    }
  }
  return issues;
}

/**
 * Why exec would refuse this argv and environment (E2BIG), naming the largest
 * variables, or undefined when they fit.
 */
export function execSizeProblem(argv: readonly string[], env: Readonly<Record<string, string>>): string | undefined {
  const sizes = Object.entries(env).map(([k, v]) => [k, utf8Length(k) + utf8Length(v) + 2 + POINTER] as const);
  for (const [name, bytes] of sizes) {
    if (bytes - POINTER > MAX_ENV_STRING) {
      return `environment variable ${name} is ${
        bytes - POINTER
      } bytes, over the ${MAX_ENV_STRING}-byte limit of one variable (MAX_ARG_STRLEN): put the data in a file and pass its path`;
    }
  }
  const long = argv.find((a) => utf8Length(a) + 1 > MAX_ENV_STRING);
  if (long !== undefined) {
    return `an argument of ${
      utf8Length(long) + 1
    } bytes is over the ${MAX_ENV_STRING}-byte limit of one argument (MAX_ARG_STRLEN): put it in a file`;
  }
  const total = sizes.reduce((n, [, b]) => n + b, 0) + argv.reduce((n, a) => n + utf8Length(a) + 1 + POINTER, 0);
  if (total <= MAX_EXEC_BYTES) return undefined;
  const largest = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, b]) => `${k} (${b} bytes)`).join(", ");
  return `its argv and environment are ${total} bytes, over the ${MAX_EXEC_BYTES}-byte exec limit (ARG_MAX); the largest variables: ${largest}`;
}
