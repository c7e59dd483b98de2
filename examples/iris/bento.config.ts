import { defineService } from "bento-kit";

/**
 * The iris classifier: a runner pool with a kNN model trained at start-up,
 * behind an API pool of Hono workers (POST /classify; GET /livez, /readyz, /healthz from serve()).
 */
export default defineService({
  name: "iris_classifier",
  api: { command: { module: "./api.ts" }, workers: 2 },
  runners: {
    iris: { command: { module: "./runner.ts" }, workers: 2 },
  },
});
