import { definePlugin, defineService } from "bento-kit";
import type { MetricFamily } from "../../../plugins/monitoring.ts";

/** A third-party plugin adding a metric of its own to every scrape through the monitoring plugin's hook. */
function queuePlugin() {
  let scrapes = 0;
  return definePlugin({
    name: "acme:queue",
    "monitoring:collect": ({ service }): MetricFamily[] => [
      { name: "acme_queue_depth", type: "gauge", help: "Jobs waiting", samples: [{ labels: { service }, value: 7 }] },
      {
        name: "acme_scrapes_total",
        type: "counter",
        help: "Scrapes seen by the plugin",
        samples: [{ value: ++scrapes }],
      },
    ],
  });
}

export default defineService({
  name: "metrics_plugin",
  api: { command: { module: "./api.ts" }, workers: 1 },
  plugins: [queuePlugin()],
});
