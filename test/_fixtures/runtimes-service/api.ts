/**
 * The API of the worker suite: GET /id (worker id and pid), POST /spread?n=N
 * (N sequential runner calls, counted per runner pid), GET /slow?ms=N,
 * GET /runner-readyz (the runner's /readyz as it answered), GET /stream ("abc"
 * in two chunks, sent chunked); 404 otherwise, so that serve()'s health routes
 * answer.
 */
import { createRunnerClient, getWorkerId, serve } from "../../../src/worker/mod.ts";

const runners = createRunnerClient();

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/id") return Response.json({ id: getWorkerId(), pid: process.pid });
  if (url.pathname === "/slow") {
    await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms"))));
    return new Response("slept");
  }
  if (url.pathname === "/stream") {
    const chunks = ["ab", "c"].map((part) => new TextEncoder().encode(part));
    return new Response(new ReadableStream({ pull: (c) => chunks.length ? c.enqueue(chunks.shift()!) : c.close() }));
  }
  if (url.pathname === "/runner-readyz") {
    const res = await runners.request("model", "/readyz", { method: "GET" });
    return Response.json({ status: res.status, body: res.text() });
  }
  if (url.pathname !== "/spread") return new Response("not found", { status: 404 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < Number(url.searchParams.get("n") ?? 1); i++) {
    const { pid } = (await runners.call("model", "/pid", {})) as { pid: number };
    counts[pid] = (counts[pid] ?? 0) + 1;
  }
  return Response.json({ counts });
}

await serve(handle);
console.log(`api ${getWorkerId()} ${process.pid} ready`);
