/**
 * An older build to compare with in the same run (BENCH_BASE_REF, default
 * d2044e3): a worktree of it in bench/.tmp (made once, node_modules linked
 * from this checkout), serving its own examples/iris from source.
 */
import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { BENCH, ROOT, type Runtime } from "./config.ts";
import { type Proc, runScriptArgv, startProc } from "./start.ts";

export const BASE_REF = process.env.BENCH_BASE_REF ?? "d2044e3";

/** The worktree of BASE_REF (made on first use). */
export function baseCheckout(): string {
  const dir = join(BENCH, ".tmp", `base-${BASE_REF}`);
  if (!existsSync(join(dir, "package.json"))) {
    execFileSync("git", ["worktree", "add", "--detach", dir, BASE_REF], { cwd: ROOT, stdio: "ignore" });
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** BASE_REF's supervisor on `rt` serving its examples/iris on 127.0.0.1:`port` (bin/bento-kit.mjs from source). */
export function startBaseIris(rt: Runtime, port: number, env: NodeJS.ProcessEnv = {}): Proc {
  const base = baseCheckout();
  const argv = [
    ...runScriptArgv(rt, join(base, "bin/bento-kit.mjs")),
    "serve",
    join(base, "examples/iris"),
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
  ];
  return startProc(`${BASE_REF}(${rt})`, argv, { cwd: base, env });
}
