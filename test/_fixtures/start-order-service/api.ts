/**
 * An API worker whose first act is a runner call, before it serves: it
 * prints what that call gave (`ok`, or the runner error's kind, e.g.
 * RunnerUnavailable when the runner is not listening yet).
 */
import { createRunnerClient, isRunnerError, serve } from "../../../src/worker/mod.ts";

const runners = createRunnerClient();
const first = await runners.call("model", "/pid", {}).then(
  () => "ok",
  (error) => (isRunnerError(error) ? error.kind : String(error)),
);
console.log(`api ${process.pid} first runner call: ${first}`);
await serve(() => Response.json({ pid: process.pid }));
