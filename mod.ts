/**
 * bento-kit: start and supervise the processes of a model-serving service
 * (runner pools, an API server pool) on Node, Bun and Deno, with sockets held
 * by the supervisor and a plugin hook pipeline.
 *
 * ```ts
 * // bento.config.ts
 * import { defineService } from "bento-kit";
 *
 * export default defineService({
 *   name: "iris_classifier",
 *   api: { command: { module: "./api.ts" }, workers: 2 },
 *   runners: { iris: { command: { module: "./runner.ts" }, workers: 2 } },
 * });
 * ```
 *
 * Run it: `deno run -A mod.ts serve ./my-service`, `npx bento-kit serve`.
 * @module
 */
export * from "./src/core/public.ts";
import { prepareCli, startCli } from "./src/cli/bootstrap.ts";

// Run as the main module: the CLI, started as bin/bento-kit.mjs starts it
// (src/cli/bootstrap.ts). No top-level await here, so that a bento.config.ts
// importing "bento-kit" (this module) does not wait on it.
if ((import.meta as { main?: boolean }).main) {
  prepareCli();
  void startCli();
}
