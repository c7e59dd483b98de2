import { err, ok } from "neverthrow";
import { definePlugin, defineService, type SpawnPlan } from "bento-kit";

/**
 * BENTO_TEST_VETO=keep-down: API workers 2 and 3 are vetoed (they stay down,
 * the rest serves). BENTO_TEST_VETO=stop-on-respawn: every first spawn is allowed; a
 * respawn is vetoed with `stop: true` (the service stops, exit 1).
 */
const spawned = new Set<string>();
const gate = definePlugin({
  name: "test:gate",
  beforeSpawn: (plan: SpawnPlan) => {
    const mode = process.env.BENTO_TEST_VETO;
    const key = `${plan.pool}:${plan.workerId}`;
    const respawn = spawned.has(key);
    spawned.add(key);
    if (mode === "keep-down" && (key === "api_server:2" || key === "api_server:3")) return err("no GPU left for it");
    if (mode === "stop-on-respawn" && respawn) return err({ message: `${key} may not be replaced`, stop: true });
    return ok(plan);
  },
});

export default defineService({
  name: "veto",
  api: { command: ["sh", "-c", "echo api {worker_id} ready; exec sleep 300"], workers: 2, ready: { log: "ready" } },
  runners: {
    r: { command: ["sh", "-c", "echo runner {worker_id} ready; exec sleep 300"], workers: 1, ready: { log: "ready" } },
  },
  plugins: [gate],
});
