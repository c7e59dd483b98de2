import { defineService } from "bento-kit";

/** A pool of 2 "hello" API workers and no runner: the supervisor's pool alone. */
export default defineService({
  name: "hello",
  api: { command: { module: "../hello-worker.ts" }, workers: 2 },
});
