import { existsSync } from "node:fs";
import { ok } from "neverthrow";
import { definePlugin, defineService, type SpawnPlan } from "bento-kit";

/**
 * Holds the spawn of API worker 1 until the file $BENTO_TEST_GATE exists, so a
 * test can stop the supervisor while it is provably still starting (the
 * runner pool is up, the API pool is not).
 */
const gate = definePlugin({
  name: "test:gate",
  beforeSpawn: async (plan: SpawnPlan, ctx) => {
    const file = process.env.BENTO_TEST_GATE;
    if (plan.role !== "api" || !file) return ok(plan);
    ctx.logger.info(`holding ${plan.pool}:${plan.workerId} until ${file} exists`);
    const end = Date.now() + 9_000;
    while (!existsSync(file) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return ok(plan);
  },
});

export default defineService({
  name: "gated",
  api: { command: ["sh", "-c", "echo api {worker_id} ready; exec sleep 300"], workers: 2 },
  runners: { r: { command: ["sh", "-c", "echo runner {worker_id} ready; exec sleep 300"], workers: 2 } },
  plugins: [gate],
});
