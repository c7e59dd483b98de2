/** Which pools a code change concerns: relative imports from each module worker's entry. */
import { expect, test } from "bun:test";
import { moduleFiles, poolsConcerned } from "../../src/core/import-graph.ts";
import type { WatcherSpec } from "../../src/core/types.ts";

const FILES: Record<string, string> = {
  "/svc/api.ts": 'import { serve } from "bento-kit/worker";\nimport { createApiApp } from "./_api-app.ts";\n',
  "/svc/_api-app.ts": 'import { Hono } from "hono";\nimport {\n  parseRows,\n} from "./_validate.js";\n',
  "/svc/runner.ts": 'import { trainIrisModel } from "./lib/model";\nimport "./_side.ts";\n',
  "/svc/lib/model.ts": 'export * from "../_validate.ts";\nconst m = await import("./weights.mts");\n',
  "/svc/lib/weights.mts": "export const w = 1;\n",
  "/svc/_side.ts": "",
  "/svc/_validate.ts": "export const x = 1;\n",
  "/svc/_unused.ts": "",
};
const read = (path: string) => FILES[path];

function pool(name: string, module?: string, include?: string[]): WatcherSpec {
  return {
    ...(include && { reload: { include } }),
    name,
    role: name === "api" ? "api" : "runner",
    workers: 1,
    env: {},
    workerEnv: [],
    cwd: "/svc",
    sockets: [],
    respawn: true,
    gracefulTimeout: 30,
    priority: 0,
    keepStdin: false,
    command: module ? { kind: "module", module, args: [] } : { kind: "argv", argv: ["python3", "runner.py"] },
  };
}

test("an entry's files: relative imports, export-from, import(), side-effect imports, .js written for .ts, no extension", () => {
  expect([...moduleFiles("/svc/runner.ts", read)].sort()).toEqual([
    "/svc/_side.ts",
    "/svc/_validate.ts",
    "/svc/lib/model.ts",
    "/svc/lib/weights.mts",
    "/svc/runner.ts",
  ]);
  expect([...moduleFiles("/svc/api.ts", read)].sort()).toEqual([
    "/svc/_api-app.ts",
    "/svc/_validate.ts",
    "/svc/api.ts",
  ]);
});

test("a change concerns the pools that import it; shared code concerns both", () => {
  const pools = [pool("api", "/svc/api.ts"), pool("runner", "/svc/runner.ts")];
  expect([...poolsConcerned(pools, ["/svc/_api-app.ts"], read)]).toEqual(["api"]);
  expect([...poolsConcerned(pools, ["/svc/lib/weights.mts"], read)]).toEqual(["runner"]);
  expect([...poolsConcerned(pools, ["/svc/_validate.ts"], read)].sort()).toEqual(["api", "runner"]);
});

test("a file no module imports, a data file, or an argv pool: every pool (better one reload too many)", () => {
  const pools = [pool("api", "/svc/api.ts"), pool("runner", "/svc/runner.ts")];
  expect([...poolsConcerned(pools, ["/svc/_unused.ts"], read)].sort()).toEqual(["api", "runner"]);
  expect([...poolsConcerned(pools, ["/svc/model.json"], read)].sort()).toEqual(["api", "runner"]);
  expect([...poolsConcerned(pools, ["/svc/gone.ts"], read)].sort()).toEqual(["api", "runner"]);
  expect([...poolsConcerned([pool("api", "/svc/api.ts"), pool("py")], ["/svc/_api-app.ts"], read)].sort()).toEqual([
    "api",
    "py",
  ]);
});

test("a pool declaring reload.include is concerned by those files alone; a file it declares reloads no other pool", () => {
  const py = pool("py", undefined, ["*.py", "models/*.json"]);
  const pools = [pool("api", "/svc/api.ts"), py];
  // A TypeScript edit does not restart the Python runner.
  expect([...poolsConcerned(pools, ["/svc/_api-app.ts"], read)]).toEqual(["api"]);
  expect([...poolsConcerned(pools, ["/svc/lib/runner.py"], read)]).toEqual(["py"]);
  expect([...poolsConcerned(pools, ["/svc/models/a.json"], read)]).toEqual(["py"]);
  // A file nobody declares or imports: every pool without a declaration, as before.
  expect([...poolsConcerned(pools, ["/svc/notes.md"], read)]).toEqual(["api"]);
  // A module pool that declares nothing still follows its imports, even of a file another pool declares.
  const ts = [pool("api", "/svc/api.ts"), pool("runner", "/svc/runner.ts", ["runner.ts"])];
  expect([...poolsConcerned(ts, ["/svc/_validate.ts"], read)]).toEqual(["api"]);
  expect([...poolsConcerned(ts, ["/svc/runner.ts"], read)]).toEqual(["runner"]);
  // Outside the pool's working directory nothing matches.
  expect([...poolsConcerned([pool("api", "/svc/api.ts"), py], ["/elsewhere/x.py"], read)]).toEqual(["api"]);
});
