/** The runner of the worker suite: POST /pid answers its pid. */
import { getWorkerId, serve } from "../../../src/worker/mod.ts";

await serve(async (request) => {
  await request.arrayBuffer();
  return Response.json({ pid: process.pid });
});
console.log(`runner ${getWorkerId()} ${process.pid} ready`);
