/**
 * What `bento-kit new` (and `npm create bento-kit`, which runs it) prints
 * after writing a service: the commands that serve and test it, in the
 * package manager that ran the command. When the service's modules cannot
 * find bento-kit (`npm create`, or `npx bento-kit new` outside a project that
 * installed it), the steps start with cd and the install its package.json
 * needs; otherwise they serve the directory from where the user is.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { DENO_PERMISSION_FLAGS } from "../_deno-permissions.ts";

type Manager = "npm" | "pnpm" | "yarn" | "bun" | "deno";

/** Each manager's install, run-the-CLI and test commands (Deno installs with npm, as the README says). */
const COMMANDS: Record<Manager, { install: string; cli: string; test: string }> = {
  npm: { install: "npm install", cli: "npx bento-kit", test: "npm test" },
  deno: { install: "npm install", cli: `deno run ${DENO_PERMISSION_FLAGS} npm:bento-kit`, test: "npm test" },
  pnpm: { install: "pnpm install", cli: "pnpm exec bento-kit", test: "pnpm test" },
  yarn: { install: "yarn", cli: "yarn bento-kit", test: "yarn test" },
  bun: { install: "bun install", cli: "bunx --bun bento-kit", test: "bun run test" },
};

const CURL = "curl -X POST localhost:3000/classify -d '[[5.9,3.0,5.1,1.8]]'";

/** The lines to print for the service written in `dir` (`rel` as the user named it). */
export function nextSteps(dir: string, rel: string, python: boolean): string {
  const manager = managerOf(process.env.npm_config_user_agent);
  const c = COMMANDS[manager];
  const serve = (target: string) =>
    `${c.cli} serve ${target}${manager === "npm" ? `          # or: bunx --bun bento-kit serve ${target}` : ""}`;
  const steps = findsBentoKit(dir)
    ? [serve(rel), CURL, `cd ${rel} && ${c.test}`]
    : [`cd ${rel}`, c.install, serve("."), CURL, c.test];
  const uvicorn = python ? "\n\nThe runner needs uvicorn: pip install uvicorn (or apt install python3-uvicorn)" : "";
  return `${steps.map((s) => `  ${s}`).join("\n")}${uvicorn}`;
}

/**
 * Deno when this runs on Deno (`deno run npm:create-bento-kit`, which says "deno/2.9.6 npm/? ..."), else the
 * package manager named first in npm_config_user_agent ("pnpm/9.1.0 npm/? node/v22..."); npm when none.
 */
function managerOf(userAgent: string | undefined): Manager {
  if ("Deno" in globalThis) return "deno";
  const name = userAgent?.split("/")[0];
  return name === "pnpm" || name === "yarn" || name === "bun" ? name : "npm";
}

/** Whether `dir`'s modules resolve `bento-kit` (installed in it or a folder above), as its bento.config.ts imports it. */
function findsBentoKit(dir: string): boolean {
  try {
    createRequire(join(dir, "package.json")).resolve("bento-kit/package.json");
    return true;
  } catch {
    return false;
  }
}
