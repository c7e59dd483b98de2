/**
 * The iris runner worker: trains the model at start, then serves it on the
 * socket bento-kit passes (run on Node: `node --import tsx runner.ts`).
 */
import { getWorkerId, serve } from "bento-kit/worker";
import { trainIrisModel } from "./_model.ts";
import { createRunnerApp } from "./_runner-app.ts";

const model = trainIrisModel();
await serve(createRunnerApp(model).fetch);
console.log(
  `iris runner worker ${getWorkerId()} (pid ${process.pid}) ready: ` +
    `kNN k=${model.k} trained on ${model.samples} samples`,
);
