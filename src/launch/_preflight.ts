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
  return ok(undefined);
}

function commandProblem(w: WatcherSpec, runtime: ModuleRuntime, path: string, platform: string): string | undefined {
  if (!existsSync(w.cwd) || !statSync(w.cwd).isDirectory()) {
    return `working directory ${w.cwd} does not exist: fix --working-dir`;
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
    return moduleFormatProblem(w.command.module);
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
 * A .ts/.js module that uses top-level await must load as an ES module: under
 * CommonJS ("type" not "module" in the package.json governing it) tsx fails on
 * it, and the worker would crash-loop. Only the module file itself is read;
 * a CommonJS worker without top-level await runs fine and is let through.
 */
function moduleFormatProblem(module: string): string | undefined {
  if (![".ts", ".js", ".tsx", ".jsx"].includes(extname(module))) return undefined;
  const awaitLine = topLevelAwaitLine(module);
  if (awaitLine === undefined) return undefined;
  const pkg = governingPackageJson(dirname(module));
  if (pkg?.type === "module") return undefined;
  const rename = basename(module).replace(/\.([tj])sx?$/, ".m$1s");
  const where = pkg
    ? `${pkg.file} has no "type": "module", so it runs as CommonJS, where top-level await is an error: add "type": "module" to ${pkg.file}`
    : `no package.json governs it, so it runs as CommonJS, where top-level await is an error: create ${
      join(dirname(module), "package.json")
    } with {"type": "module"}`;
  return `${module} uses top-level await (line ${awaitLine}), but ${where}, or rename it ${rename}`;
}

/** The line number of the first unindented line that awaits: top-level await, near enough. */
function topLevelAwaitLine(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const index = text.split("\n").findIndex((l) => /^(?![\s/*]).*\bawait\b/.test(l));
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
