/** `start-grpc-server`: the gRPC pool and its metrics server, the runners on other hosts (`--depends`). */
import { grpcMode } from "./_grpc.ts";

export const grpcServerMode = grpcMode(true);
