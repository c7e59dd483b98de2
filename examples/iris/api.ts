/**
 * The iris API worker: serves `POST /classify` on the socket bento-kit passes
 * and forwards rows to the "iris" runner from `BENTO_RUNNER_MAP`.
 */
import { createRunnerClient, getRunnerMap, getWorkerId, serve } from "bento-kit/worker";
import { createApiApp } from "./_api-app.ts";

const runners = createRunnerClient(getRunnerMap());
if (!runners.runners.includes("iris")) {
  throw new Error(
    `BENTO_RUNNER_MAP has no runner "iris" (it has: ${runners.runners.join(", ") || "none"}): ` +
      "start this API with the iris runner, e.g. bento-kit serve examples/iris",
  );
}
await serve(createApiApp(runners).fetch);
console.log(
  `iris api worker ${getWorkerId()} (pid ${process.pid}) ready: runners ${JSON.stringify(getRunnerMap())}`,
);
