/**
 * A runner that is not ready until it gets SIGUSR1 (the test sends it once it
 * has looked at what the supervisor started meanwhile), or a minute has passed.
 * POST /pid: its pid. With BENTO_TEST_CRASH set it dies at once, every time.
 */
import { serve } from "../../../src/worker/mod.ts";

if (process.env.BENTO_TEST_CRASH) {
  console.error("runner: no model");
  process.exit(4);
}

await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, 60_000);
  process.once("SIGUSR1", () => (clearTimeout(timer), resolve()));
  console.log(`runner ${process.pid} waiting for SIGUSR1`);
});
await serve(() => Response.json({ pid: process.pid }));
console.log(`runner ${process.pid} ready`);
