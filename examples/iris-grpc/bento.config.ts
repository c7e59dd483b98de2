import { defineService } from "bento-kit";

/**
 * The iris classifier over gRPC: `iris.v1.IrisClassifier/Classify` served by a
 * pool of grpc-js workers adopting the socket the supervisor holds, calling
 * the iris runner pool; with the standard health service and, with
 * --enable-reflection, server reflection. `bento-kit serve --grpc` or
 * `bento-kit start-grpc-server --depends iris=tcp://HOST:PORT`. The HTTP API
 * (`serve` without --grpc) is the iris example's.
 */
export default defineService({
  name: "iris_classifier_grpc",
  api: { command: { module: "../iris/api.ts" }, workers: 2 },
  grpc: { command: { module: "./grpc-api.ts" }, workers: 2 },
  runners: {
    iris: { command: { module: "../iris/runner.ts" }, workers: 2 },
  },
});
