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
