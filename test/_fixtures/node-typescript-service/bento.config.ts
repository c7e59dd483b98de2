import { defineService } from "../../../mod.ts";

/**
 * TypeScript workers on Node (test/worker/node-typescript.test.ts): Node runs
 * `plain` itself; `enum`, `extensionless` and `late` hold what Node's type
 * stripping refuses (an enum, an import without its extension, an enum
 * module imported once the worker runs), and run through tsx; `javascript`
 * is a JavaScript worker beside them; `legacy` a TypeScript one whose
 * tsconfig.json does not ask for verbatimModuleSyntax (tsx, as before). Every runner
 * answers /facts; the API forwards GET /facts/<runner> to it.
 */
const node = { runtime: "node" } as const;

export default defineService({
  name: "node_typescript",
  api: { command: { module: "./api.ts", ...node }, workers: 1 },
  runners: {
    plain: { command: { module: "./plain.ts", ...node }, workers: 1 },
    enum: { command: { module: "./enum.ts", ...node }, workers: 1 },
    extensionless: { command: { module: "./extensionless.ts", ...node }, workers: 1 },
    late: { command: { module: "./late.ts", ...node }, workers: 1 },
    javascript: { command: { module: "./javascript.js", ...node }, workers: 1 },
    legacy: { command: { module: "./legacy/legacy.ts", ...node }, workers: 1 },
  },
});
