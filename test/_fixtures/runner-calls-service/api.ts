/**
 * The API for the runner-client tests: POST /call?path=P calls the "model"
 * runner at P and answers what the call gave (value or error kind);
 * POST /spread?n=N makes N sequential calls to /pid: the pid of each, in order.
 */
import { createRunnerClient, isRunnerError, serve } from "../../../src/worker/mod.ts";

const runners = createRunnerClient();

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/spread") {
    const pids: number[] = [];
    const n = Number(url.searchParams.get("n"));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) pids.push(((await runners.call("model", "/pid", {})) as { pid: number }).pid);
    return Response.json({ pids, callsPerSecond: Math.round(n / ((performance.now() - t0) / 1000)) });
  }
  try {
    return Response.json({ value: await runners.call("model", url.searchParams.get("path") ?? "/pid", {}) });
  } catch (error) {
    if (!isRunnerError(error)) throw error;
    return Response.json({ error: error.kind, message: error.message });
  }
}

await serve(handle);
console.log(`api ${process.pid} ready`);
