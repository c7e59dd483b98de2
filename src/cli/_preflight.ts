/**
 * Before anything is bound: every pool's program must exist (on PATH, or as
 * a path relative to the working dir) and every module file must exist, so
 * a typo is one clear line instead of a crash loop.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type SpawnFailed, spawnFailed } from "../core/errors.ts";
import type { LaunchSpec } from "../core/types.ts";

export function checkCommands(spec: LaunchSpec, path = process.env.PATH ?? ""): Result<void, SpawnFailed> {
  for (const w of spec.watchers) {
    if (w.command.kind === "module") {
      if (!existsSync(w.command.module)) {
        return err(spawnFailed(w.name, `Pool ${w.name}: module ${w.command.module} does not exist: fix its command in the manifest`, "ENOENT"));
      }
      continue;
    }
    const program = w.command.argv[0]!;
    if (!findExecutable(program, w.cwd, path)) {
      return err(spawnFailed(w.name, `Pool ${w.name}: command not found: "${program}" is not an executable file ${program.includes("/") ? `(from ${w.cwd})` : "on PATH"}; install it or fix the command in the manifest`, "ENOENT"));
    }
  }
  return ok(undefined);
}

export function findExecutable(program: string, cwd: string, path: string): string | undefined {
  const candidates = program.includes("/")
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
