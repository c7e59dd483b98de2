/**
 * Runner addresses as they appear in the runner map:
 * `unix:///abs/path.sock` or `tcp://host:port` (IPv6 as `tcp://[::1]:port`).
 * Pure: the CLI checks `--depends` / `--runner-map` with it, and
 * `bento-kit/worker`'s runner client connects with it.
 */

/** Where to connect to reach a runner, in the shape node:http takes. */
export type RunnerTarget =
  | { readonly socketPath: string }
  | { readonly host: string; readonly port: number };

/** Parses a runner address; returns an explanation string when it is malformed. */
export function parseRunnerAddress(address: string): RunnerTarget | string {
  if (address.startsWith("unix://")) {
    const socketPath = address.slice("unix://".length);
    if (!socketPath.startsWith("/")) {
      return `"${address}" must name an absolute socket path, e.g. unix:///tmp/bento/iris.sock`;
    }
    return { socketPath };
  }
  if (address.startsWith("tcp://")) {
    const match = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(address);
    const host = match?.[1];
    const port = Number(match?.[2]);
    if (host === undefined || !(port > 0 && port < 65536)) {
      return `"${address}" must be tcp://host:port with a port in 1-65535, e.g. tcp://127.0.0.1:3001`;
    }
    return { host: host.startsWith("[") ? host.slice(1, -1) : host, port };
  }
  return `"${address}" must start with unix:// or tcp://, e.g. unix:///tmp/bento/iris.sock or tcp://127.0.0.1:3001`;
}
