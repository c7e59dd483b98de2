/** `bento-kit scale POOL N`: resize a pool of the running service. */
import { defineCommand } from "../_define-command.ts";
import type { ApiPool } from "../terminal/_api-types.ts";
import { callAdmin, failClient, failUsage, findTarget, targetArgs } from "../terminal/_admin-client.ts";

export const scaleCommand = defineCommand({
  meta: { name: "scale", description: "Resize a pool of the running service (waits until the new workers are ready)" },
  args: {
    pool: {
      type: "positional",
      required: true,
      description: "The pool, e.g. api_server or runner:iris (see bento-kit status)",
    },
    workers: { type: "positional", required: true, description: "The number of workers it should keep" },
    ...targetArgs,
  },
  async run({ args }) {
    if (!/^\d+$/.test(args.workers)) {
      return failUsage(`N: expected a whole number of workers, got "${args.workers}"`);
    }
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const path = `/v1/pools/${encodeURIComponent(args.pool)}/scale`;
    const pool = await callAdmin<ApiPool>(target.value, "POST", path, { workers: Number(args.workers) });
    if (pool.isErr()) return failClient(pool.error);
    console.log(
      `Pool ${pool.value.name}: ${workers(pool.value.target)}, ${pool.value.ready} ready (pids ${pids(pool.value)})`,
    );
  },
});

/** `1 worker`, `2 workers`. */
export function workers(n: number): string {
  return `${n} worker${n === 1 ? "" : "s"}`;
}

export function pids(pool: ApiPool): string {
  return pool.workers.map((w) => w.pid ?? "-").join(", ");
}
