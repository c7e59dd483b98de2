/** `bento-kit status`: the pools and workers of the running service, as a table. */
import { defineCommand } from "../_define-command.ts";
import type { ApiPool, ApiService } from "../terminal/_api-types.ts";
import { callAdmin, failClient, findTarget, targetArgs } from "../terminal/_admin-client.ts";
import { bytes, duration, table } from "../terminal/_format.ts";

export const statusCommand = defineCommand({
  meta: { name: "status", description: "Show the pools and workers of the running service" },
  args: {
    ...targetArgs,
    json: { type: "boolean", description: "Print the service and its pools as JSON" },
  },
  async run({ args }) {
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const service = await callAdmin<ApiService>(target.value, "GET", "/v1/service");
    if (service.isErr()) return failClient(service.error);
    const pools = await callAdmin<{ pools: ApiPool[] }>(target.value, "GET", "/v1/pools");
    if (pools.isErr()) return failClient(pools.error);
    if (args.json) {
      return void console.log(JSON.stringify({ service: service.value, pools: pools.value.pools }, null, 2));
    }
    console.log(render(service.value, pools.value.pools, target.value.url));
  },
});

export function render(s: ApiService, pools: readonly ApiPool[], url: string): string {
  const head = `${s.name}: ${s.command} on ${s.runtime}, pid ${s.pid}, up ${
    duration(s.uptimeMs)
  }, bento-kit ${s.version}, admin ${url}`;
  const sockets = s.sockets.map((k) => `  ${k.name}: ${k.address}`);
  const rows = pools.flatMap((p) =>
    p.workers.map((w) => [
      p.name,
      String(w.id),
      w.pid === null ? "-" : String(w.pid),
      w.state,
      duration(w.uptimeMs),
      String(w.restarts),
      bytes(w.rssBytes),
      w.cpuSeconds === undefined ? "-" : `${w.cpuSeconds.toFixed(1)}s`,
      w.vetoed
        ? w.vetoed.message
        : w.lastExit
        ? `${w.lastExit.reason} (${duration(Date.now() - w.lastExit.at)} ago)`
        : "-",
    ])
  );
  const summary = pools.map((p) => `${p.name} ${p.ready}/${p.target} ready${p.busy ? ` (${p.busy} in progress)` : ""}`)
    .join(", ");
  return [
    head,
    ...sockets,
    "",
    table(["POOL", "WORKER", "PID", "STATE", "UPTIME", "RESTARTS", "RSS", "CPU", "LAST EXIT"], rows),
    "",
    summary,
  ].join("\n");
}
