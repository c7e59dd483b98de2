/** An API worker with a metric of its own, registered through bento-kit/worker's loadMetrics(). */
import { loadMetrics, serve } from "../../../src/worker/mod.ts";

const { Counter } = await loadMetrics();
const hellos = new Counter({ name: "fixture_hellos_total", help: "Hellos said", labelNames: ["who"] });

await serve((request) => {
  const who = new URL(request.url).searchParams.get("who") ?? "world";
  hellos.inc({ who });
  return new Response(`hello ${who}`);
});
