/**
 * An API pool of real uvicorn workers (Debian's python3-uvicorn) that get the
 * certificate and the key through the {ssl_certfile} and {ssl_keyfile}
 * placeholders, in front of the TypeScript iris runner.
 */
export default {
  name: "iris_uvicorn_tls",
  api: {
    command: [
      "/usr/bin/python3",
      "-m",
      "uvicorn",
      "--fd",
      "{fd}",
      "--ssl-certfile",
      "{ssl_certfile}",
      "--ssl-keyfile",
      "{ssl_keyfile}",
      "--app-dir",
      ".",
      "--no-access-log",
      "api:app",
    ],
    workers: 2,
    ready: { log: "Application startup complete" },
  },
  runners: { iris: { command: { module: "../../../examples/iris/runner.ts" }, workers: 1 } },
};
