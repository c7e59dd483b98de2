/**
 * A runner for the runner-client tests. POST /pid: its pid. POST /sleep?ms=N:
 * answers after N ms. POST /crash: appends its pid to $CRASH_LOG (the work
 * done), then dies without answering, as a runner that crashes on a request.
 */
import { appendFileSync } from "node:fs";
import { serve } from "../../../src/worker/mod.ts";

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  await request.arrayBuffer();
  if (url.pathname === "/crash") {
    appendFileSync(process.env.CRASH_LOG ?? "/dev/null", `${process.pid}\n`);
    process.exit(3);
  }
  if (url.pathname === "/sleep") {
    await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms"))));
  }
  return Response.json({ pid: process.pid });
}

await serve(handle);
console.log(`runner ${process.pid} ready`);
