/** Start a gRPC command (serve --grpc, start-grpc-server, start-runner-server) and read its port from the start line. */
import { run, type Runtime, type Served } from "../_helpers/serve-process.ts";
import { freePort } from "./_client.ts";

export interface GrpcServed extends Served {
  metricsPort: number;
}

const START = /(?:running|listening) on https?:\/\/\S+:(\d+) \(Press CTRL\+C to quit\)/;

export async function grpcServe(
  runtime: Runtime,
  args: string[],
  env: Record<string, string> = {},
): Promise<GrpcServed> {
  const metricsPort = await freePort();
  const s = run(runtime, [
    ...args,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics-host",
    "127.0.0.1",
    "--metrics-port",
    String(metricsPort),
  ], env);
  const m = await s.waitForOutput(START, 40_000);
  if (!m) throw new Error(`${args[0]} did not start:\n${s.output()}`);
  s.port = Number(m[1]);
  return Object.assign(s, { metricsPort });
}

/** `start-runner-server` for the iris runner on a free loopback port: its tcp:// address. */
export async function irisRunnerServer(dir: string): Promise<{ served: Served; address: string }> {
  const served = run("node", ["start-runner-server", dir, "--runner-name", "iris", "--port", "0"]);
  const m = await served.waitForOutput(/running on http:\/\/(\S+):(\d+) \(Press CTRL\+C to quit\)/, 40_000);
  if (!m) throw new Error(`start-runner-server did not start:\n${served.output()}`);
  return { served, address: `tcp://${m[1]}:${m[2]}` };
}
