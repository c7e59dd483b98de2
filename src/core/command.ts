/**
 * Worker commands and their argv placeholders: `{fd}` (the pool's own socket),
 * `{fd:NAME}`, `{worker_id}`, `{runner_map}`, `{working_dir}`, `{host}`,
 * `{port}`, `{backlog}`, `{timeout}`, `{timeout_keep_alive}`,
 * `{timeout_graceful_shutdown}`, `{service}`.
 */
import type { ManifestIssue } from "./errors.ts";
import { describe } from "./_checker.ts";
import type { Command } from "./types.ts";

/** What a manifest may write: an argv array, or a module run by the supervisor's tooling. */
export type CommandInput = readonly string[] | { readonly module: string; readonly args?: readonly string[] };

export const PLACEHOLDERS = [
  "fd", "worker_id", "runner_map", "working_dir", "host", "port", "backlog",
  "timeout", "timeout_keep_alive", "timeout_graceful_shutdown", "service",
] as const;

const PLACEHOLDER = /\{([a-z_]+)(?::([A-Za-z0-9_-]+))?\}/g;

export function normalizeCommand(input: CommandInput): Command {
  if (Array.isArray(input)) return { kind: "argv", argv: [...input] };
  const { module, args = [] } = input as { module: string; args?: readonly string[] };
  return { kind: "module", module, args: [...args] };
}

/** Problems with a command as written in a manifest; `sockets` are the names the pool receives. */
export function commandIssues(input: unknown, sockets: readonly string[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const checkArgs = (args: unknown, path: string) => {
    if (!Array.isArray(args)) {
      issues.push({ path, message: `expected an array of strings, got ${describe(args)}` });
      return;
    }
    args.forEach((arg, i) => {
      if (typeof arg !== "string") issues.push({ path: `${path}[${i}]`, message: `expected a string, got ${describe(arg)}` });
      else issues.push(...placeholderIssues(arg, sockets).map((message) => ({ path: `${path}[${i}]`, message })));
    });
  };
  if (Array.isArray(input)) {
    if (input.length === 0 || input[0] === "") issues.push({ path: "", message: "is empty: give the program and its arguments, e.g. [\"python3\", \"-m\", \"uvicorn\", \"--fd\", \"{fd}\", \"app:app\"]" });
    checkArgs(input, "");
    return issues;
  }
  if (typeof input === "object" && input !== null && "module" in input) {
    const { module, args } = input as { module: unknown; args?: unknown };
    if (typeof module !== "string" || module === "") issues.push({ path: "module", message: "expected a path to a .ts or .js module, e.g. \"./api.ts\"" });
    if (args !== undefined) checkArgs(args, "args");
    return issues;
  }
  return [{
    path: "",
    message: `expected an argv array like ["python3", "runner.py"] or { module: "./worker.ts" }, got ${describe(input)}`,
  }];
}

function placeholderIssues(arg: string, sockets: readonly string[]): string[] {
  const issues: string[] = [];
  for (const [, name, param] of arg.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name!)) {
      issues.push(`unknown placeholder {${name}}: use one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`);
    } else if (name === "fd" && param !== undefined && !sockets.includes(param)) {
      issues.push(`{fd:${param}} names no socket of this pool: use {fd} or {fd:${sockets[0]}}`);
    }
  }
  return issues;
}

export interface Expansion {
  readonly vars: Readonly<Record<string, string>>;
  /** Socket name to the fd the worker sees. */
  readonly fds: ReadonlyMap<string, number>;
  /** The socket `{fd}` stands for. */
  readonly ownSocket?: string;
}

/** Replace the placeholders of one argument. */
export function expandArg(arg: string, { vars, fds, ownSocket }: Expansion): string {
  return arg.replace(PLACEHOLDER, (whole, name: string, param?: string) => {
    if (name === "fd") {
      const fd = fds.get(param ?? ownSocket ?? "");
      return fd === undefined ? whole : String(fd);
    }
    return vars[name] ?? whole;
  });
}

/** The first known placeholder left in an expanded argument, e.g. `{timeout}` when no timeout is set. */
export function unresolvedPlaceholder(arg: string): string | undefined {
  for (const [whole, name] of arg.matchAll(PLACEHOLDER)) {
    if ((PLACEHOLDERS as readonly string[]).includes(name!)) return whole;
  }
  return undefined;
}
