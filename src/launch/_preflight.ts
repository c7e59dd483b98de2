/**
 * Before anything is bound: every pool's working directory and program must
 * exist (a program on PATH, or a path relative to the working dir), and so
 * must the interpreter a script's `#!` line names; every module file too, the
 * runtime (Node, Bun or Deno) that runs module workers, and a module with
 * top-level await must load as an ES module. So a mistake is one clear line instead of a crash loop.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type PreflightFailed, preflightFailed } from "../core/errors.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { LaunchSpec, WatcherSpec } from "../core/types.ts";
import { NICE } from "../core/spawn-request.ts";
import { workerRuntimeOf } from "../core/worker-runtime.ts";
import { findExecutable } from "../runtime/shared/_which.ts";
import { INSTALL_HINT } from "../runtime/shared/_worker-runtime.ts";

type ModuleRuntime = Pick<RuntimePort, "name" | "moduleArgv">;

const LABEL = { node: "Node.js", bun: "Bun", deno: "Deno" } as const;

export function checkCommands(
  spec: LaunchSpec,
  runtime: ModuleRuntime,
  path = process.env.PATH ?? "",
  platform: string = process.platform,
): Result<void, PreflightFailed> {
  for (const w of spec.watchers) {
    const problem = commandProblem(w, runtime, path, platform);
    if (problem) return err(preflightFailed(w.name, `Pool ${w.name}: ${problem}`));
  }
  const format = moduleFormatProblem(spec.watchers, runtime.name);
  return format ? err(preflightFailed(format.pool, format.message)) : ok(undefined);
}

function commandProblem(w: WatcherSpec, runtime: ModuleRuntime, path: string, platform: string): string | undefined {
  if (!existsSync(w.cwd) || !statSync(w.cwd).isDirectory()) {
    return `working directory ${w.cwd} does not exist: fix --working-dir`;
  }
  if (w.nice && !existsSync(NICE)) {
    return `--worker-nice ${w.nice} runs each worker through ${NICE}, which this system lacks: install coreutils, or pass --worker-nice 0`;
  }
  if (w.command.kind === "module") {
    if (!existsSync(w.command.module)) {
      return `module ${w.command.module} does not exist: fix its command in the manifest`;
    }
    const worker = workerRuntimeOf(w.command, w.role, runtime.name) ?? "node";
    if (worker !== "node" && platform !== "linux") {
      return `its TypeScript workers run on ${
        LABEL[worker]
      }, which shares a port between workers with SO_REUSEPORT, and ` +
        `${platform} does not balance connections that way: set runtime: "node" in its command (docs/worker-runtimes.md)`;
    }
    const runner = runtime.moduleArgv(w.command.module, { runtime: worker, denoFlags: [] })[0]!;
    if (!findExecutable(runner, w.cwd, path)) {
      const why = w.command.runtime
        ? `its command says runtime: "${worker}"`
        : `bento-kit runs on ${LABEL[runtime.name]}`;
      const other = (["node", "bun", "deno"] as const).filter((r) => r !== worker).map((r) => `"${r}"`).join(" or ");
      return `its TypeScript workers run on ${LABEL[worker]} (${why}), and "${runner}" is not on PATH: ` +
        `${INSTALL_HINT[worker]}, or set runtime: ${other} in its command`;
    }
    return undefined;
  }
  const program = w.command.argv[0]!;
  const file = findExecutable(program, w.cwd, path);
  if (!file) {
    return `command not found: "${program}" is not an executable file ${
      program.includes("/") ? `(from ${w.cwd})` : "on PATH"
    }; install it or fix the command in the manifest`;
  }
  return interpreterProblem(program, file, w.cwd, path);
}

/** A script whose `#!` line names an interpreter that is not there, or ends in a carriage return. */
function interpreterProblem(program: string, file: string, cwd: string, path: string): string | undefined {
  const line = firstLine(file);
  if (!line?.startsWith("#!")) return undefined;
  if (line.endsWith("\r")) {
    return `${program} has Windows line endings (CRLF), so its #! line asks for "${
      line.slice(2).trim()
    }\\r", which does not exist: ` +
      `convert it to Unix line endings (dos2unix ${program}, or sed -i 's/\\r$//' ${program})`;
  }
  const [interpreter = "", ...args] = line.slice(2).trim().split(/\s+/);
  if (interpreter === "") return `${program} has an empty #! line: name its interpreter, e.g. #!/bin/sh`;
  if (!findExecutable(interpreter, cwd, "")) {
    return `${program} exists, but the interpreter its #! line names, ${interpreter}, does not: install it or fix the #! line`;
  }
  if (basename(interpreter) !== "env") return undefined;
  const name = args.find((a) => !a.startsWith("-") && !a.includes("="));
  if (name !== undefined && !findExecutable(name, cwd, path)) {
    return `${program} exists, but the interpreter its #! line asks for, "${name}" (through ${interpreter}), is not on PATH: ` +
      "install it or fix the #! line";
  }
  return undefined;
}

/**
 * JavaScript module workers (.js, .jsx) written as ES modules (`import` lines,
 * top-level await) under a package.json that does not say "type": "module":
 * Node loads them as CommonJS and they would crash-loop. Bun and Deno detect
 * the format, and TypeScript modules load as ES modules on every runtime
 * (src/runtime/node/esm-syntax-hook.ts), so only Node workers of .js files are
 * checked. One message names every such file and the one fix.
 */
function moduleFormatProblem(
  watchers: readonly WatcherSpec[],
  supervisor: ModuleRuntime["name"],
): { pool: string; message: string } | undefined {
  const affected = new Map<string, { pool: string; line: number; pkg?: string }>();
  for (const w of watchers) {
    if (w.command.kind !== "module" || ![".js", ".jsx"].includes(extname(w.command.module))) continue;
    if ((workerRuntimeOf(w.command, w.role, supervisor) ?? "node") !== "node" || affected.has(w.command.module)) {
      continue;
    }
    const line = esmSyntaxLine(w.command.module);
    if (line === undefined) continue;
    const pkg = governingPackageJson(dirname(w.command.module));
    if (pkg?.type === "module") continue;
    affected.set(w.command.module, { pool: w.name, line, ...(pkg && { pkg: pkg.file }) });
  }
  const [first] = affected.values();
  if (!first) return undefined;
  const files = [...affected].map(([file, a]) => `${file} (line ${a.line}, pool ${a.pool})`).join(", ");
  const pkgs = [...new Set([...affected.values()].map((a) => a.pkg))];
  const fix = pkgs.every((p) => p !== undefined)
    ? `add "type": "module" to ${pkgs.join(" and ")}`
    : `create a package.json with {"type": "module"} in ${
      [...new Set([...affected.keys()].map((f) => dirname(f)))].join(" and ")
    }`;
  return {
    pool: first.pool,
    message: `${affected.size === 1 ? "This module is" : "These modules are"} written as ES modules ` +
      `(import/export or top-level await) but would load as CommonJS on Node, where that is an error: ${files}. ` +
      `Fix: ${fix} (or rename them .mjs)`,
  };
}

/** The line number of the first unindented `import`/`export` line or top-level await, near enough. */
function esmSyntaxLine(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const index = text.split("\n").findIndex((l) =>
    /^(?:import\s*[\w{*"']|export\s)/.test(l) || /^(?![\s/*]).*\bawait\b/.test(l)
  );
  return index < 0 ? undefined : index + 1;
}

function governingPackageJson(dir: string): { file: string; type?: unknown } | undefined {
  for (let d = dir;; d = dirname(d)) {
    const file = join(d, "package.json");
    if (existsSync(file)) {
      try {
        return {
          file,
          type: (JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) as { type?: unknown }).type,
        };
      } catch {
        return { file };
      }
    }
    if (dirname(d) === d) return undefined;
  }
}

/** The first line of a file (at most 256 bytes), or undefined when it cannot be read. */
function firstLine(file: string): string | undefined {
  try {
    const fd = openSync(file, "r");
    try {
      const buf = new Uint8Array(256);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return new TextDecoder().decode(buf.subarray(0, n)).split("\n")[0];
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
