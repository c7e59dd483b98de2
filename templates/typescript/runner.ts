/**
 * The runner: serves the model on the socket bento-kit passes.
 * POST /predict [[5.9,3.0,5.1,1.8]] → ["virginica"].
 */
import { getWorkerId, serve } from "bento-kit/worker";
import { parseRows, predict } from "./model.ts";

await serve(async (req) => {
  const { pathname } = new URL(req.url);
  if (req.method !== "POST" || pathname !== "/predict") return Response.json({ error: "Not found" }, { status: 404 });
  const rows = parseRows(await req.json().catch(() => undefined));
  if (typeof rows === "string") return Response.json({ error: rows }, { status: 400 });
  return Response.json(predict(rows));
});
console.log(`runner worker ${getWorkerId()} (pid ${process.pid}) ready`);
