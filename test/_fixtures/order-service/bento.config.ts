import { ok } from "neverthrow";
import { definePlugin, defineService, type SpawnPlan, type WorkerExit } from "bento-kit";

/**
 * A manifest plugin: its beforeSpawn tells API workers (through CUSTOM) whether
 * the built-in runner-map plugin had already set BENTO_RUNNER_MAP, and its
 * onExit keeps dead API workers down.
 */
const probe = definePlugin({
  name: "test:order",
  beforeSpawn: (plan: SpawnPlan) =>
    ok(
      plan.role !== "api" ? plan : {
        ...plan,
        env: { ...plan.env, CUSTOM: `runner map ${plan.env.BENTO_RUNNER_MAP ? "already set" : "not set yet"}` },
      },
    ),
  onExit: (exit: WorkerExit) => (exit.pool === "api_server" ? { respawn: false } : undefined),
});

export default defineService({
  name: "order",
  api: { command: ["node", "../sd-worker.mjs"], workers: 2 },
  runners: { echo: { command: ["node", "../sd-worker.mjs"], workers: 1 } },
  plugins: [probe],
});
