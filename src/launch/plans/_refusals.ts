/** Why a mode refuses an option group it does not take: the lines users see (exit 2). */
export const REFUSED = {
  remoteRunners: "it starts the runners itself; start-http-server and start-grpc-server take remote runners",
  runnerServer: "only start-runner-server serves one runner",
  grpc: "it serves HTTP; gRPC options need serve --grpc or start-grpc-server",
  grpcMetrics: "the metrics server is the gRPC modes' (HTTP serves GET /metrics on its own port)",
  development: "--development and --reload are for serve's HTTP API pool",
  unixSockets: "its runners are remote: their addresses come from --depends or --runner-map",
  apiWorkers: "a runner server has no API pool: --workers sizes the runner's pool",
  tlsRunner: "runner servers are internal, as in BentoML: put TLS on the API server (start-http-server --ssl-*)",
  tlsGrpc:
    "gRPC takes --ssl-certfile, --ssl-keyfile (with its password) and --ssl-ca-certs, as BentoML's serve-grpc; " +
    "the TLS version, client-certificate mode and ciphers are gRPC's own",
} as const;

/** The TLS options gRPC takes. */
export const GRPC_TLS = [
  "ssl-certfile",
  "ssl-keyfile",
  "ssl-keyfile-password-file",
  "ssl-keyfile-password",
  "ssl-ca-certs",
  "ssl-cert-reqs",
] as const;
