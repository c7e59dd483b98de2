import { defineService } from "../../../mod.ts";

/**
 * One service for the worker suite run on each worker runtime: 2 API workers
 * and 2 runner workers, all on WORKER_RUNTIME (node, bun or deno; unset: the
 * supervisor's own runtime).
 */
const runtime = process.env.WORKER_RUNTIME as "node" | "bun" | "deno" | undefined;

export default defineService({
  name: "runtimes",
  api: { command: { module: "./api.ts", ...(runtime && { runtime }) }, workers: 2 },
  runners: { model: { command: { module: "./runner.ts", ...(runtime && { runtime }) }, workers: 2 } },
});
