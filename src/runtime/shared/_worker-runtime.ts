/**
 * How a module worker is started on each runtime, in one place: Node as the
 * adapter says (`nodeArgv`), Bun as `bun MODULE`, Deno as `deno run FLAGS
 * MODULE` with the permissions the core worked out (src/core/worker-runtime.ts).
 * Binaries are found as the supervisor runs: itself when it is that runtime,
 * else the first on PATH, else the one npm installed beside bento-kit
 * (node_modules/.bin, the `bun` and `deno` devDependencies).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ModuleLaunch } from "../../core/worker-runtime.ts";
import type { WorkerRuntime } from "../../core/types.ts";
import { findExecutable } from "./_which.ts";
import { packageRoot } from "../../package-file.ts";

export type ModuleArgv = (module: string, launch: ModuleLaunch) => readonly string[];

/** `moduleArgv` of an adapter: Bun and Deno workers here, Node workers by `nodeArgv`. */
export function withWorkerRuntimes(nodeArgv: (module: string) => readonly string[]): ModuleArgv {
  return (module, launch) => {
    if (launch.runtime === "bun") return [findRuntimeBinary("bun"), module];
    if (launch.runtime === "deno") return [findRuntimeBinary("deno"), "run", ...launch.denoFlags, module];
    return nodeArgv(module);
  };
}

/** One line saying how to get a runtime that is missing (the preflight prints it). */
export const INSTALL_HINT: Readonly<Record<WorkerRuntime, string>> = {
  node: "install Node.js 20 or later (https://nodejs.org)",
  bun: "install Bun (curl -fsSL https://bun.sh/install | bash, or npm install bun)",
  deno: "install Deno (curl -fsSL https://deno.land/install.sh | sh, or npm install deno)",
};

/** The `bun` or `deno` binary to start workers with; the bare name when none is found (the preflight says so). */
export function findRuntimeBinary(
  name: "bun" | "deno",
  path = process.env.PATH ?? "",
  self = process.execPath,
): string {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if ((name === "bun" && g.Bun !== undefined) || (name === "deno" && g.Deno !== undefined)) return self;
  return findExecutable(name, "/", path) ?? besideBentoKit(name) ?? name;
}

/** `node_modules/.bin/NAME` in the nearest node_modules from bento-kit's code (packageRoot) up. */
function besideBentoKit(name: string): string | undefined {
  let dir = packageRoot();
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, "node_modules", ".bin", name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}
