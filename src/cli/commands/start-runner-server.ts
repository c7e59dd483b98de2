/**
 * `bento-kit start-runner-server [SERVICE_DIR] --runner-name NAME`: one
 * runner's pool on a TCP socket the supervisor binds and holds, for an API
 * server on another host (`start-http-server --depends NAME=tcp://HOST:PORT`).
 * BentoML's `bentoml start-runner-server`.
 */
import { runnerServerMode } from "../../launch/plans/runner-server.ts";
import { defineLaunchCommand } from "../launch-command.ts";

export const startRunnerServerCommand = defineLaunchCommand({
  name: "start-runner-server",
  description: "Serve one runner's pool on TCP, for an API server on another host " +
    "(start-http-server --depends NAME=tcp://HOST:PORT)",
  modes: [runnerServerMode],
});
