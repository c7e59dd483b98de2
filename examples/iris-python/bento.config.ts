import { defineService } from "bento-kit";

/**
 * The iris classifier with its runner written in Python: a plain ASGI app
 * served by a real uvicorn (Debian's python3-uvicorn) that adopts the socket
 * the supervisor holds (`--fd {fd}`), behind the same TypeScript API server.
 */
export default defineService({
  name: "iris_classifier_py",
  api: { command: { module: "../iris/api.ts" }, workers: 2 },
  runners: {
    iris: {
      command: [
        "/usr/bin/python3",
        "-m",
        "uvicorn",
        "--fd",
        "{fd}",
        "--app-dir",
        "../iris/python",
        "--no-access-log",
        "runner:app",
      ],
      workers: 2,
      // uvicorn says nothing on BENTO_READY_FD; its startup line marks the worker ready.
      ready: { log: "Application startup complete" },
    },
  },
});
