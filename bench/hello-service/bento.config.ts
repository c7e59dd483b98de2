import { defineService } from "bento-kit";

/** A pool of 2 "hello" API workers and no runner: the supervisor's pool alone. */
export default defineService({
  name: "hello",
  api: { command: { module: "../hello-worker.ts" }, workers: 2 },
  // Compared with the worker alone, which logs no requests: the pool must not either.
  serve: { accessLog: false },
});
