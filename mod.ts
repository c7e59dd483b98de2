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
import { checkDenoPermissions } from "./src/cli/_deno-permissions.ts";

// Run as the main module: the CLI. No top-level await here, so that a
// bento.config.ts importing "bento-kit" (this module) does not wait on it.
// Until `serve` listens for stop signals itself nothing has been started, so a
// stop signal means "exit now" (code 0); `serve` removes these handlers once
// its own are in place.
if ((import.meta as { main?: boolean }).main) {
  checkDenoPermissions(); // before anything reads the environment or a file
  const exitNow = () => process.exit(0);
  const early = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of early) process.on(s, exitNow);
  (globalThis as Record<symbol, unknown>)[Symbol.for("bento-kit.early-stop")] = () =>
    early.forEach((s) => process.off(s, exitNow));
  // As PID 1 (a container without --init) orphans must be reaped: see src/cli/_pid1.ts.
  const init = process.pid === 1 ? import("./src/cli/_pid1.ts").then((m) => m.asInit()) : Promise.resolve("not-pid1");
  void init.then((mode) => mode === "wrapped" ? undefined : import("./src/cli/main.ts").then(({ runCli }) => runCli()));
}
