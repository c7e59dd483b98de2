/**
 * The API server: POST /classify takes rows of iris measurements and asks the
 * "classifier" runner; GET / says how to call it.
 */
import { createRunnerClient, getRunnerMap, getWorkerId, isRunnerError, serve } from "bento-kit/worker";

const runners = createRunnerClient(getRunnerMap());

await serve(async (req) => {
  const { pathname } = new URL(req.url);
  if (req.method === "POST" && pathname === "/classify") {
    try {
      // A prediction may safely run twice: resent once if a runner worker dies under it.
      const classes = await runners.call("classifier", "/predict", await req.json(), { idempotent: true });
      return Response.json(classes);
    } catch (error) {
      if (error instanceof SyntaxError) return Response.json({ error: "The body is not JSON" }, { status: 400 });
      if (!isRunnerError(error)) throw error;
      // The runner's own answer to a bad request (400) goes back as it is; any other failure is a 503.
      if (error.status === 400) {
        return new Response(error.body, { status: 400, headers: { "content-type": "application/json" } });
      }
      return Response.json({ error: `Cannot classify: ${error.message}` }, { status: 503 });
    }
  }
  return new Response("POST /classify with a body like [[5.9,3.0,5.1,1.8]]\n");
});
console.log(`api worker ${getWorkerId()} (pid ${process.pid}) ready`);
