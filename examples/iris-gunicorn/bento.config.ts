import { defineService } from "bento-kit";

/**
 * The Python iris runner under gunicorn (uvicorn worker class). No fd in the
 * argv: gunicorn finds the supervisor's socket through the systemd protocol
 * (LISTEN_FDS, LISTEN_PID = its own pid), as it would under systemd.
 */
export default defineService({
  name: "iris_classifier_gunicorn",
  api: { command: { module: "../iris/api.ts" }, workers: 2 },
  runners: {
    iris: {
      command: [
        "/usr/bin/python3",
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "--chdir",
        "../iris/python",
        "runner:app",
      ],
      workers: 2,
      // uvicorn says nothing on BENTO_READY_FD; its startup line marks the worker ready.
      ready: { log: "Application startup complete" },
    },
  },
});
