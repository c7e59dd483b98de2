/** `serve --grpc`: the runners and the gRPC pool on one machine, and the gRPC metrics server. */
import { grpcMode } from "./_grpc.ts";

export const serveGrpcMode = grpcMode(false);
