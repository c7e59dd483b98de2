import { ok } from "neverthrow";
import { definePlugin, defineService, type SpawnPlan } from "bento-kit";

/** A third-party plugin, declared in the manifest: it hands API workers an env var. */
function stampPlugin(value: string) {
  return definePlugin({
    name: "acme:stamp",
    beforeSpawn: (plan: SpawnPlan) => ok(plan.role === "api" ? { ...plan, env: { ...plan.env, CUSTOM: value } } : plan),
  });
}

export default defineService({
  name: "plugin_service",
  api: { command: ["node", "../sd-worker.mjs"], workers: 1 },
  plugins: [stampPlugin("from-plugin")],
});
