/** `bento-kit restart POOL [--worker ID]`: rolling restart of a pool, or of one worker. */
import { defineCommand } from "../_define-command.ts";
import type { ApiPool } from "../terminal/_api-types.ts";
import { callAdmin, failClient, failUsage, findTarget, targetArgs } from "../terminal/_admin-client.ts";
import { pids } from "./scale.ts";

export const restartCommand = defineCommand({
  meta: {
    name: "restart",
    description: "Rolling restart of a pool: each new worker is ready before its old one stops",
  },
  args: {
    pool: {
      type: "positional",
      required: true,
      description: "The pool, e.g. api_server or runner:iris (see bento-kit status)",
    },
    worker: { type: "string", valueHint: "ID", description: "Restart only this worker id" },
    ...targetArgs,
  },
  async run({ args }) {
    if (args.worker !== undefined && !/^\d+$/.test(args.worker)) {
      return failUsage(`--worker: expected a worker id (a whole number), got "${args.worker}"`);
    }
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const pool = encodeURIComponent(args.pool);
    const path = args.worker === undefined
      ? `/v1/pools/${pool}/restart`
      : `/v1/pools/${pool}/workers/${args.worker}/restart`;
    const done = await callAdmin<ApiPool>(target.value, "POST", path);
    if (done.isErr()) return failClient(done.error);
    const what = args.worker === undefined
      ? `Pool ${done.value.name}`
      : `Worker ${args.worker} of pool ${done.value.name}`;
    console.log(`${what} restarted: pids ${pids(done.value)}`);
  },
});
