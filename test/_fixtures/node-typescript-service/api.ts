/** GET /facts/<runner>: that runner's /facts, as it answered. */
import { createRunnerClient, serve } from "../../../src/worker/mod.ts";

const runners = createRunnerClient();

await serve(async (request) => {
  const runner = /^\/facts\/(\w+)$/.exec(new URL(request.url).pathname)?.[1];
  if (runner === undefined || !runners.runners.includes(runner)) return new Response("not found", { status: 404 });
  return Response.json(await runners.call(runner, "/facts", {}));
});
