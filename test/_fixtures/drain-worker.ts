// An API worker on bento-kit/worker's serve(): GET /slow stays in flight until
// the worker gets SIGTERM, then answers; the graceful-stop test checks that the
// answer arrives and that serve() logged its drain.
import { getWorkerId, serve } from "bento-kit/worker";

let terminated = false;
const waiting: (() => void)[] = [];

await serve((request) => {
  if (new URL(request.url).pathname !== "/slow") return new Response("ok");
  console.log(`slow request in flight on worker ${getWorkerId()}`);
  return new Promise<Response>((resolve) => {
    const answer = () => resolve(new Response("finished after SIGTERM"));
    if (terminated) answer();
    else waiting.push(answer);
  });
});
// Registered after serve()'s own handler, which logs the drain first.
process.on("SIGTERM", () => {
  terminated = true;
  for (const answer of waiting.splice(0)) setImmediate(answer);
});
process.on("exit", (code) => console.log(`drain worker ${getWorkerId()} exiting (${code})`));
console.log(`drain worker ${getWorkerId()} (pid ${process.pid}) ready`);
