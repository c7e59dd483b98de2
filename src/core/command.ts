/**
 * Worker commands and their argv placeholders: `{fd}` (the pool's own socket),
 * `{fd:NAME}`, `{worker_id}`, `{runner_map}`, `{working_dir}`, `{host}`,
 * `{port}`, `{backlog}`, `{timeout}`, `{timeout_keep_alive}`,
 * `{timeout_graceful_shutdown}`, `{service}`; gRPC pools also `{enable_reflection}`,
 * `{enable_channelz}`, `{max_concurrent_streams}`, `{protocol_version}`; plugins add their own names
 * (`BentoPlugin.placeholders`, e.g. the TLS plugin's `{ssl_certfile}`).
 */
import type { ManifestIssue } from "./errors.ts";
import { describe } from "./_checker.ts";
import { type Command, WORKER_RUNTIMES, type WorkerRuntime } from "./types.ts";

/** What a manifest may write: an argv array, or a module run by the supervisor's tooling. */
export type CommandInput = readonly string[] | ModuleInput;

export interface ModuleInput {
  readonly module: string;
  readonly args?: readonly string[];
  /** The runtime the module runs on (default: the one running the supervisor). */
  readonly runtime?: WorkerRuntime;
  /** Deno workers: flags granting more than the least they need, e.g. `["--allow-read=/models"]`. */
  readonly denoPermissions?: readonly string[];
}

/** A Deno permission flag a pool may add: `--allow-*` or `--deny-*`, with or without a list (`-A` only when written). */
const DENO_PERMISSION = /^--(allow|deny)-(read|write|net|env|sys|run|ffi|import)(=.+)?$|^--allow-all$|^-A$/;

export const PLACEHOLDERS = [
  "fd",
  "worker_id",
  "runner_map",
  "working_dir",
  "host",
  "port",
  "backlog",
  "timeout",
  "timeout_keep_alive",
  "timeout_graceful_shutdown",
  "service",
  "enable_reflection",
  "enable_channelz",
  "max_concurrent_streams",
  "protocol_version",
] as const;

/** `{{` and `}}` (literal braces), a placeholder `{name}` / `{name:param}`, or a stray brace. */
const TOKEN = /\{\{|\}\}|\{([a-z_]+)(?::([A-Za-z0-9_-]+))?\}|[{}]/g;

type Piece =
  | { readonly kind: "text"; readonly text: string; readonly stray?: true }
  | { readonly kind: "placeholder"; readonly raw: string; readonly name: string; readonly param?: string };

/** Split an argument into literal text and placeholders; `{{`/`}}` are the escapes for `{`/`}`. */
function tokenize(arg: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of arg.matchAll(TOKEN)) {
    if (m.index > last) pieces.push({ kind: "text", text: arg.slice(last, m.index) });
    const [raw, name, param] = m;
    if (raw === "{{" || raw === "}}") pieces.push({ kind: "text", text: raw[0]! });
    else if (name === undefined) pieces.push({ kind: "text", text: raw, stray: true });
    else pieces.push({ kind: "placeholder", raw, name, param });
    last = m.index + raw.length;
  }
  if (last < arg.length) pieces.push({ kind: "text", text: arg.slice(last) });
  return pieces;
}

/** The placeholder names an argument uses (escaped braces are not placeholders). */
export function placeholdersIn(arg: string): string[] {
  return tokenize(arg).flatMap((p) => (p.kind === "placeholder" ? [p.name] : []));
}

export function normalizeCommand(input: CommandInput): Command {
  if (Array.isArray(input)) return { kind: "argv", argv: [...input] };
  const { module, args = [], runtime, denoPermissions } = input as ModuleInput;
  return {
    kind: "module",
    module,
    args: [...args],
    ...(runtime && { runtime }),
    ...(denoPermissions && { denoPermissions: [...denoPermissions] }),
  };
}

/**
 * Problems with a command as written in a manifest; `sockets` are the names the
 * pool receives, `extra` the placeholder names plugins add.
 */
export function commandIssues(
  input: unknown,
  sockets: readonly string[],
  extra: readonly string[] = [],
): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const checkArgs = (args: unknown, path: string) => {
    if (!Array.isArray(args)) {
      issues.push({ path, message: `expected an array of strings, got ${describe(args)}` });
      return;
    }
    args.forEach((arg, i) => {
      if (typeof arg !== "string") {
        issues.push({ path: `${path}[${i}]`, message: `expected a string, got ${describe(arg)}` });
      } else {issues.push(
          ...placeholderIssues(arg, sockets, extra).map((message) => ({ path: `${path}[${i}]`, message })),
        );}
    });
  };
  if (Array.isArray(input)) {
    if (input.length === 0 || input[0] === "") {
      issues.push({
        path: "",
        message:
          'is empty: give the program and its arguments, e.g. ["python3", "-m", "uvicorn", "--fd", "{fd}", "app:app"]',
      });
    }
    checkArgs(input, "");
    return issues;
  }
  if (typeof input === "object" && input !== null && "module" in input) {
    const { module, args, runtime, denoPermissions } = input as Record<string, unknown>;
    if (typeof module !== "string" || module === "") {
      issues.push({ path: "module", message: 'expected a path to a .ts or .js module, e.g. "./api.ts"' });
    }
    if (args !== undefined) checkArgs(args, "args");
    if (runtime !== undefined && !(WORKER_RUNTIMES as readonly unknown[]).includes(runtime)) {
      issues.push({
        path: "runtime",
        message: `expected "node", "bun" or "deno" (default: the runtime running bento-kit), got ${describe(runtime)}`,
      });
    }
    if (denoPermissions !== undefined) issues.push(...denoPermissionIssues(denoPermissions));
    for (const key of Object.keys(input)) {
      if (!["module", "args", "runtime", "denoPermissions"].includes(key)) {
        issues.push({
          path: key,
          message: "is not a module command field: use module, args, runtime or denoPermissions",
        });
      }
    }
    return issues;
  }
  return [{
    path: "",
    message: `expected an argv array like ["python3", "runner.py"] or { module: "./worker.ts" }, got ${
      describe(input)
    }`,
  }];
}

function denoPermissionIssues(flags: unknown): ManifestIssue[] {
  if (!Array.isArray(flags)) {
    return [{
      path: "denoPermissions",
      message: `expected an array of Deno flags like ["--allow-read=/models"], got ${describe(flags)}`,
    }];
  }
  return flags.flatMap((flag, i) =>
    typeof flag === "string" && DENO_PERMISSION.test(flag) ? [] : [{
      path: `denoPermissions[${i}]`,
      message:
        `expected a Deno permission flag such as "--allow-read=/models" or "--allow-net=api.example.com:443", got ${
          describe(flag)
        }`,
    }]
  );
}

const ESCAPE = "write {{ and }} for literal braces";

function placeholderIssues(arg: string, sockets: readonly string[], extra: readonly string[]): string[] {
  const issues: string[] = [];
  const pieces = tokenize(arg);
  const known: readonly string[] = [...PLACEHOLDERS, ...extra];
  for (const p of pieces) {
    if (p.kind !== "placeholder") continue;
    if (!known.includes(p.name)) {
      issues.push(
        `unknown placeholder ${p.raw}: use one of ${
          known.map((n) => `{${n}}`).join(", ")
        }, or ${ESCAPE} (inline code: {{${p.name}}})`,
      );
    } else if (p.param !== undefined && p.name !== "fd") {
      issues.push(
        `${p.raw} is not a placeholder (only {fd:NAME} takes a name): ${ESCAPE}, e.g. {{${p.name}:${p.param}}}`,
      );
    } else if (p.name === "fd" && p.param !== undefined && !sockets.includes(p.param)) {
      issues.push(
        `{fd:${p.param}} names no socket of this pool: use {fd} or {fd:${
          sockets[0]
        }}, or ${ESCAPE}, e.g. {{fd:${p.param}}}`,
      );
    }
  }
  const used = pieces.find((p) => p.kind === "placeholder");
  if (used && pieces.some((p) => p.kind === "text" && p.stray)) {
    issues.push(
      `mixes the placeholder ${used.raw} with literal braces, as inline code does: write the code's braces as {{ and }} ` +
        `(and ${used.raw.replace(/^\{|\}$/g, (b) => b + b)} where it is code, not the placeholder)`,
    );
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

/**
 * Replace the placeholders of one argument and turn `{{`/`}}` into `{`/`}`;
 * `missing` lists those with no value (the manifest check let only known names through).
 */
export function expandArg(
  arg: string,
  { vars, fds, ownSocket }: Expansion,
): { readonly text: string; readonly missing: readonly string[] } {
  const missing: string[] = [];
  const text = tokenize(arg).map((p) => {
    if (p.kind === "text") return p.text;
    const value = p.name === "fd" ? fds.get(p.param ?? ownSocket ?? "")?.toString() : vars[p.name];
    if (value === undefined) missing.push(p.raw);
    return value ?? p.raw;
  }).join("");
  return { text, missing };
}

/**
 * The core's placeholders a command uses that are not in `vars` (fd, worker_id
 * and runner_map come at spawn; a plugin's own placeholders are its to check).
 */
export function unsetPlaceholders(command: Command, vars: Readonly<Record<string, string>>): string[] {
  const args = command.kind === "argv" ? command.argv : command.args;
  const atSpawn = ["fd", "worker_id", "runner_map"];
  const core: readonly string[] = PLACEHOLDERS;
  const names = args.flatMap(placeholdersIn).filter((n) =>
    core.includes(n) && !atSpawn.includes(n) && vars[n] === undefined
  );
  return [...new Set(names)];
}
