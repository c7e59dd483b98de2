/**
 * `bento-kit start-http-server [SERVICE_DIR] --depends NAME=URI ...`: the API
 * server pool alone, its runners served elsewhere (`start-runner-server` on
 * other hosts), with serve's TLS, metrics and logs. BentoML's
 * `bentoml start-http-server`.
 */
import { httpServerMode } from "../../launch/plans/http-server.ts";
import { defineLaunchCommand } from "../launch-command.ts";

export const startHttpServerCommand = defineLaunchCommand({
  name: "start-http-server",
  description: "Serve the API server pool alone, its runners on other hosts (--depends NAME=tcp://HOST:PORT)",
  modes: [httpServerMode],
});
