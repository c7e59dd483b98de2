/**
 * The iris gRPC API worker: `iris.v1.IrisClassifier/Classify` forwards the
 * features to the "iris" runner (BENTO_RUNNER_MAP), on the socket bento-kit
 * holds; `grpc.health.v1.Health` answers SERVING; reflection and channelz when
 * the supervisor was given --enable-reflection / --enable-channelz.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  addHealthService,
  addReflectionService,
  createRunnerClient,
  getRunnerMap,
  getWorkerId,
  grpcServerOptions,
  grpcSettings,
  serveGrpc,
} from "bento-kit/worker";

const PROTO = fileURLToPath(new URL("./iris.proto", import.meta.url));
const SERVICE = "iris.v1.IrisClassifier";

const definition = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
const runners = createRunnerClient(getRunnerMap());
const settings = grpcSettings();

const server = new grpc.Server(await grpcServerOptions());
server.addService(definition[SERVICE] as grpc.ServiceDefinition, {
  Classify(call: grpc.ServerUnaryCall<{ features: number[] }, unknown>, callback: grpc.sendUnaryData<unknown>) {
    const { features } = call.request;
    if (features.length !== 4) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `expected 4 features (cm), got ${features.length}` });
      return;
    }
    runners.call("iris", "/predict", [features], { idempotent: true }).then(
      (labels) => callback(null, { label: (labels as number[])[0] }),
      (error: { message?: string }) =>
        callback({ code: grpc.status.UNAVAILABLE, details: `iris runner: ${error.message ?? error}` }),
    );
  },
});
await addHealthService(server, [SERVICE]);
if (settings.reflection) await addReflectionService(server, [definition]);
if (settings.channelz) grpc.addAdminServicesToServer(server);
await serveGrpc(server);
console.log(
  `iris grpc worker ${getWorkerId()} (pid ${process.pid}) ready, protocol ${settings.protocolVersion}, ` +
    `reflection ${settings.reflection}, channelz ${settings.channelz}`,
);
