/**
 * The smallest API worker: a Hono "hello" on the inherited socket, naming its
 * pid in `x-bento-worker-pid`. Started by bench/hello-service (a pool of 2) or
 * alone by bench/_lib/start.ts startAlone (one process, same socket setup).
 */
import { Hono } from "hono";
import { getWorkerId, serve } from "bento-kit/worker";

const pid = String(process.pid);
const app = new Hono();
app.get("/", (c) => {
  c.header("x-bento-worker-pid", pid);
  return c.text("hello");
});
await serve(app.fetch);
console.log(`hello worker ${getWorkerId()} (pid ${process.pid}) ready`);
