import { defineService } from "bento-kit";

/**
 * The iris gRPC API served by Python: a pool of grpcio servers (Debian's
 * python3-grpcio) calling the TypeScript iris runner. grpcio cannot adopt an
 * inherited socket, so each worker binds `{host}:{port}` itself with
 * SO_REUSEPORT (`reusePort: true`), the kernel spreading connections over
 * them; the supervisor checks the port first and holds it (bound with
 * SO_REUSEPORT, never listening) while the service runs.
 */
export default defineService({
  name: "iris_classifier_grpc_py",
  api: { command: { module: "../../iris/api.ts" }, workers: 1 },
  grpc: {
    command: ["/usr/bin/python3", "./grpc_server.py", "--host", "{host}", "--port", "{port}"],
    workers: 2,
    reusePort: true,
  },
  runners: {
    iris: { command: { module: "../../iris/runner.ts" }, workers: 2 },
  },
});
