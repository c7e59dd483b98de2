/**
 * A worker for the graceful-shutdown tests: `GET /slow?ms=N` answers after N
 * ms and logs when it starts, so a test can signal while it is in flight.
 */
import { serve } from "../../src/worker/mod.ts";

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== "/slow") return new Response("ok");
  const ms = Number(url.searchParams.get("ms") ?? "0");
  console.log(`slow request started (${ms} ms)`);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return new Response(`slept ${ms} ms`);
}

await serve(handle);
console.log(`slow worker ${process.pid} ready`);
