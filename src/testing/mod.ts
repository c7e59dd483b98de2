/**
 * bento-kit/testing: test a plugin from `bun test`, `node --test` or
 * `deno test` (plain functions, no test framework inside).
 *
 * ```ts
 * import { ok } from "neverthrow";
 * import { definePlugin } from "bento-kit";
 * import { buildLaunchSpec, runPlugins, startService } from "bento-kit/testing";
 *
 * const manifest = {
 *   name: "demo",
 *   api: { command: ["python3", "server.py", "--fd", "{fd:api}"], workers: 2 },
 * };
 * const tagger = definePlugin({
 *   name: "acme:tagger",
 *   beforeSpawn: (plan) => ok({ ...plan, env: { ...plan.env, ACME_ID: `${plan.pool}-${plan.workerId}` } }),
 * });
 *
 * // 1. The launch spec `serve` would start (pure).
 * const spec = (await buildLaunchSpec(manifest, { plugins: [tagger] }))._unsafeUnwrap();
 * // 2. The hook pipeline against a recording runtime: the spawn plans it produced.
 * const run = await runPlugins(manifest, [tagger]);
 * run.plans().map((p) => p.env.ACME_ID); // ["api_server-1", "api_server-2"]
 * await run.stop();
 * // 3. A real service on a free port, stopped with a leak check.
 * const svc = (await startService({ manifest, plugins: [tagger] }))._unsafeUnwrap();
 * await fetch(svc.url);
 * await svc.stop(); // [] when nothing is left running
 * ```
 * @module
 */
export { buildLaunchSpec, type LaunchSpecOptions } from "./launch-spec.ts";
export {
  createRecordingRuntime,
  type RecordedWorker,
  type RecordingRuntime,
  type RecordingRuntimeOptions,
} from "./recording-runtime.ts";
export { type PluginRun, runPlugins, type RunPluginsOptions } from "./run-plugins.ts";
export { type NotReady, type RunningService, startService, type StartServiceOptions } from "./start-service.ts";
