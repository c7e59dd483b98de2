/**
 * The API for the runner-client tests: POST /call?path=P calls the "model"
 * runner at P and answers what the call gave (value or error kind);
 * POST /spread?n=N makes N sequential calls to /pid and counts calls per pid.
 */
import { createRunnerClient, isRunnerError, serve } from "../../../src/worker/mod.ts";

const runners = createRunnerClient();

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/spread") {
    const counts: Record<string, number> = {};
    const n = Number(url.searchParams.get("n"));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const { pid } = (await runners.call("model", "/pid", {})) as { pid: number };
      counts[pid] = (counts[pid] ?? 0) + 1;
    }
    return Response.json({ counts, callsPerSecond: Math.round(n / ((performance.now() - t0) / 1000)) });
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
