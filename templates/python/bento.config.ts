import { defineService } from "bento-kit";

/**
 * An API server in front of a runner pool written in Python: a plain ASGI app
 * (runner.py) served by uvicorn on the socket the supervisor holds (`--fd {fd}`).
 */
export default defineService({
  name: "{{name}}",
  api: { command: { module: "./api.ts" }, workers: 1 },
  runners: {
    classifier: {
      command: ["python3", "-m", "uvicorn", "--fd", "{fd}", "--app-dir", ".", "--no-access-log", "runner:app"],
      workers: 2,
      // uvicorn says nothing on BENTO_READY_FD: its start-up line marks a worker ready.
      ready: { log: "Application startup complete" },
    },
  },
});
