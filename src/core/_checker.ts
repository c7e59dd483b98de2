/** A small collector of manifest issues: each check records a path and a message. */
import type { ManifestIssue } from "./errors.ts";

type Obj = Record<string, unknown>;

export interface Checker {
  readonly issues: ManifestIssue[];
  issue(path: string, message: string): void;
  object(value: unknown, path: string, expected?: string): value is Obj;
  knownKeys(value: Obj, path: string, keys: readonly string[]): void;
  string(value: unknown, path: string, pattern?: RegExp, patternText?: string): boolean;
  boolean(value: unknown, path: string): boolean;
  optionalInt(value: unknown, path: string, min: number, max?: number): number | undefined;
  stringRecord(value: unknown, path: string): Record<string, string>;
  recordList(value: unknown, path: string): Record<string, string>[];
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

export function createChecker(): Checker {
  const issues: ManifestIssue[] = [];
  const issue = (path: string, message: string) => void issues.push({ path: path || "(root)", message });
  const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

  function stringRecord(value: unknown, path: string): Record<string, string> {
    if (value === undefined) return {};
    if (!isObject(value)) {
      issue(path, `expected an object of NAME: "value" strings, got ${describe(value)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") out[k] = v;
      else issue(`${path}.${k}`, `expected a string, got ${describe(v)}`);
    }
    return out;
  }

  return {
    issues,
    issue,
    object(value, path, expected = "an object"): value is Obj {
      if (isObject(value)) return true;
      issue(
        path,
        value === undefined ? `is required: expected ${expected}` : `expected ${expected}, got ${describe(value)}`,
      );
      return false;
    },
    knownKeys(value, path, keys) {
      for (const key of Object.keys(value)) {
        if (!keys.includes(key)) {
          issue(path ? `${path}.${key}` : key, `unknown field: expected one of ${keys.join(", ")}`);
        }
      }
    },
    string(value, path, pattern, patternText) {
      if (typeof value !== "string" || value.length === 0) {
        issue(
          path,
          value === undefined
            ? "is required: expected a non-empty string"
            : `expected a non-empty string, got ${describe(value)}`,
        );
        return false;
      }
      if (pattern && !pattern.test(value)) {
        issue(path, `${JSON.stringify(value)} is not allowed: use ${patternText}`);
        return false;
      }
      return true;
    },
    boolean(value, path) {
      if (typeof value === "boolean") return true;
      issue(path, `expected true or false, got ${describe(value)}`);
      return false;
    },
    optionalInt(value, path, min, max) {
      if (value === undefined) return undefined;
      const inRange = typeof value === "number" && Number.isInteger(value) && value >= min &&
        (max === undefined || value <= max);
      if (inRange) return value;
      const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
      issue(path, `expected a whole number ${range}, got ${describe(value)}`);
      return undefined;
    },
    stringRecord,
    recordList(value, path) {
      if (value === undefined) return [];
      if (!Array.isArray(value)) {
        issue(path, `expected an array of env objects, got ${describe(value)}`);
        return [];
      }
      return value.map((entry, i) => stringRecord(entry, `${path}[${i}]`));
    },
  };
}
