/**
 * A runner that is not ready until it gets SIGUSR1 (the test sends it once it
 * has looked at what the supervisor started meanwhile), or a minute has passed.
 * POST /pid: its pid.
 */
import { serve } from "../../../src/worker/mod.ts";

await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, 60_000);
  process.once("SIGUSR1", () => (clearTimeout(timer), resolve()));
  console.log(`runner ${process.pid} waiting for SIGUSR1`);
});
await serve(() => Response.json({ pid: process.pid }));
console.log(`runner ${process.pid} ready`);
