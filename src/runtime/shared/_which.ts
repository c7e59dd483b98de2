import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Every executable file `program` names: a path (from `cwd`), or a name looked up on `path`, in order. */
export function findExecutables(program: string, cwd: string, path: string): string[] {
  const candidates = program.includes("/")
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.filter((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

export function findExecutable(program: string, cwd: string, path: string): string | undefined {
  return findExecutables(program, cwd, path)[0];
}
