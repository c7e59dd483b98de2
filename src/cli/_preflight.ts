/**
 * Before anything is bound: every pool's working directory and program must
 * exist (a program on PATH, or a path relative to the working dir), every
 * module file too, and the Node.js that runs module workers; so a typo is one
 * clear line instead of a crash loop.
 */
import { existsSync, statSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";
import { type SpawnFailed, spawnFailed } from "../core/errors.ts";
import type { LaunchSpec } from "../core/types.ts";
import { findExecutable } from "../runtime/_which.ts";

export function checkCommands(
  spec: LaunchSpec,
  moduleArgv: (module: string) => readonly string[],
  path = process.env.PATH ?? "",
): Result<void, SpawnFailed> {
  for (const w of spec.watchers) {
    const fail = (message: string) => err(spawnFailed(w.name, `Pool ${w.name}: ${message}`, "ENOENT"));
    if (!existsSync(w.cwd) || !statSync(w.cwd).isDirectory()) {
      return fail(`working directory ${w.cwd} does not exist: fix --working-dir`);
    }
    if (w.command.kind === "module") {
      if (!existsSync(w.command.module)) return fail(`module ${w.command.module} does not exist: fix its command in the manifest`);
      const runner = moduleArgv(w.command.module)[0]!;
      if (!findExecutable(runner, w.cwd, path)) {
        return fail(`TypeScript and JavaScript workers run on Node.js, and "${runner}" is not on PATH: install Node.js 20 or later`);
      }
      continue;
    }
    const program = w.command.argv[0]!;
    if (!findExecutable(program, w.cwd, path)) {
      return fail(`command not found: "${program}" is not an executable file ${program.includes("/") ? `(from ${w.cwd})` : "on PATH"}; install it or fix the command in the manifest`);
    }
  }
  return ok(undefined);
}
