/**
 * `bento-kit start-grpc-server [SERVICE_DIR] --depends NAME=URI ...`: the
 * service's gRPC pool alone, its runners served elsewhere, plus one metrics
 * server process on `--metrics-host:--metrics-port` (default 0.0.0.0:3001).
 * BentoML's `start-grpc-server`.
 */
import { grpcServerMode } from "../../launch/plans/grpc-server.ts";
import { defineLaunchCommand } from "../launch-command.ts";

export const startGrpcServerCommand = defineLaunchCommand({
  name: "start-grpc-server",
  description: "Serve the gRPC server pool and its metrics server, the runners on other hosts " +
    "(--depends NAME=tcp://HOST:PORT)",
  modes: [grpcServerMode],
});
