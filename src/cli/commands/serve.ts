/** `bento-kit serve [SERVICE_DIR]`: every pool of a service, on one machine (`--grpc`: the gRPC pool). */
import { serveGrpcMode } from "../../launch/plans/serve-grpc.ts";
import { serveHttpMode } from "../../launch/plans/serve-http.ts";
import { defineLaunchCommand } from "../launch-command.ts";

export const serveCommand = defineLaunchCommand({
  name: "serve",
  description: "Serve a service: runner pools, then the API server pool, with sockets held by the supervisor " +
    "(Ctrl+C stops everything)",
  modes: [serveHttpMode, serveGrpcMode],
  choose: (args) => (args.grpc ? serveGrpcMode : serveHttpMode),
  extraArgs: {
    grpc: {
      type: "boolean",
      description: "Serve the manifest's gRPC pool (and its metrics server) instead of the HTTP API pool",
    },
  },
});

/** BentoML's `serve-http`: `serve` of the HTTP API pool. */
export const serveHttpCommand = defineLaunchCommand({
  name: "serve-http",
  description: "Serve the HTTP API pool and the runners, as `serve` (BentoML's serve-http)",
  modes: [serveHttpMode],
});

/** BentoML's `serve-grpc`: `serve --grpc`. */
export const serveGrpcCommand = defineLaunchCommand({
  name: "serve-grpc",
  description: "Serve the gRPC pool and the runners, as `serve --grpc` (BentoML's serve-grpc)",
  modes: [serveGrpcMode],
});
