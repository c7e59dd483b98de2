/** The runner of the worker suite: POST /pid answers its pid; 404 otherwise (serve()'s health routes answer). */
import { getWorkerId, serve } from "../../../src/worker/mod.ts";

await serve(async (request) => {
  await request.arrayBuffer();
  if (new URL(request.url).pathname !== "/pid") return new Response("not found", { status: 404 });
  return Response.json({ pid: process.pid });
});
console.log(`runner ${getWorkerId()} ${process.pid} ready`);
