import { defineService } from "bento-kit";

/** An API server in front of a runner pool (the model), both TypeScript. */
export default defineService({
  name: "{{name}}",
  api: { command: { module: "./api.ts" }, workers: 1 },
  runners: {
    classifier: { command: { module: "./runner.ts" }, workers: 2 },
  },
});
