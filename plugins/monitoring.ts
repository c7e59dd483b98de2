/**
 * bento:monitoring — Prometheus metrics for the supervisor and every worker,
 * one scrape away at `GET /metrics` on the API port (as BentoML serves it).
 *
 * The instance's metrics directory is `<run dir>/metrics`, private to this
 * running service and removed with the run dir when it stops. Each worker slot
 * gets its own sub-directory `<pool>.<worker id>` as `PROMETHEUS_MULTIPROC_DIR`
 * (and the instance directory as `BENTO_METRICS_DIR`): a bento-kit/worker
 * worker serves its registry on `metrics.sock` there, a Python worker's
 * prometheus_client writes its `*.db` files there. The supervisor serves its
 * own registry on `supervisor.sock`. The API worker answering `/metrics` asks
 * every socket and reads every `.db` file, labelling each worker's series with
 * `pool` and `worker_id`: the supervisor is in the path of the scrape only.
 *
 * Other plugins add metrics through the `monitoring:collect` hook it declares:
 *
 * ```ts
 * definePlugin({
 *   name: "acme:queue",
 *   "monitoring:collect": () => [{ name: "acme_queue_depth", type: "gauge", help: "Jobs waiting", samples: [{ value: depth() }] }],
 * });
 * ```
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ok } from "neverthrow";
import {
  type BentoPlugin,
  definePlugin,
  type HookContext,
  type MetricFamily,
  metricsSlotName,
} from "../src/core/public.ts";
import type { Registry } from "prom-client";
import { createSupervisorTally } from "./_monitoring-tally.ts";
import { serveUnixHttp, type UnixHttpServer } from "../src/runtime/serve-unix-http.ts";

export type { MetricFamily, MonitoringCollect } from "../src/core/public.ts";

export const METRICS_DIR = "metrics";
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function monitoringPlugin(): BentoPlugin {
  const tally = createSupervisorTally();
  let registry: Promise<Registry> | undefined;
  let server: UnixHttpServer | undefined;
  let started: Promise<void> | undefined;
  let disposed = false;
  const slots = new Map<number, string>();

  async function start(dir: string, ctx: HookContext): Promise<void> {
    const path = join(dir, "supervisor.sock");
    const headers = { "content-type": "text/plain; version=0.0.4; charset=utf-8" };
    try {
      const serving = await serveUnixHttp(
        path,
        () =>
          render(ctx).then(
            (text) => new Response(text, { headers }),
            (error) => new Response(String(error), { status: 500 }),
          ),
      );
      // Stopped while it was starting (it is no longer awaited by the first spawn).
      if (disposed) serving.close();
      else server = serving;
    } catch (error) {
      if (disposed) return;
      ctx.logger.error(
        `Cannot serve the supervisor's metrics on ${path} (${(error as Error).message}): /metrics will miss them`,
      );
    }
  }

  async function render(ctx: HookContext): Promise<string> {
    // prom-client is loaded by the first scrape, not by every service that starts.
    registry ??= import("./_monitoring-registry.ts").then((m) => m.createSupervisorRegistry(tally));
    const own = await (await registry).metrics();
    const outcome = await ctx.callHook("monitoring:collect", { service: ctx.spec.service });
    for (const e of outcome.errors) ctx.logger.error(e.message);
    return own + outcome.results.flat().map((f) => renderFamily(f, ctx)).join("");
  }

  return definePlugin({
    name: "bento:monitoring",
    hooks: { "monitoring:collect": "parallel" },
    beforeSpawn(plan, ctx) {
      const dir = join(ctx.spec.runDir, METRICS_DIR);
      // Not awaited: the first worker starts while the supervisor's own socket
      // comes up (a scrape before it is listening lists the workers' series only).
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      started ??= start(dir, ctx);
      const slot = join(dir, metricsSlotName(plan.pool, plan.workerId));
      mkdirSync(slot, { recursive: true });
      return ok({ ...plan, env: { ...plan.env, BENTO_METRICS_DIR: dir, PROMETHEUS_MULTIPROC_DIR: slot } });
    },
    onEvent(event, ctx) {
      tally.observe(event);
      if (event.type === "spawn") {
        slots.set(event.pid, join(ctx.spec.runDir, METRICS_DIR, metricsSlotName(event.pool, event.workerId)));
      } else if (event.type === "exit") {
        const slot = slots.get(event.exit.pid);
        slots.delete(event.exit.pid);
        if (slot) markProcessDead(slot, event.exit.pid);
      }
    },
    dispose() {
      disposed = true;
      server?.close();
    },
  });
}

/** prometheus_client's `mark_process_dead`: a dead pid's `live*` gauges stop counting. */
function markProcessDead(dir: string, pid: number): void {
  try {
    for (const f of readdirSync(dir)) {
      if (f.startsWith("gauge_live") && f.endsWith(`_${pid}.db`)) rmSync(join(dir, f), { force: true });
    }
  } catch { /* the directory went with the run dir */ }
}

function renderFamily(family: MetricFamily, ctx: HookContext): string {
  const bad = !NAME.test(family.name) ||
    family.samples.some((s) => Object.keys(s.labels ?? {}).some((k) => !LABEL.test(k)));
  if (bad) {
    ctx.logger.error(`monitoring:collect: skipped "${family.name}": metric and label names must match ${NAME.source}`);
    return "";
  }
  const lines = [
    `# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`,
    `# TYPE ${family.name} ${family.type}`,
  ];
  for (const s of family.samples) {
    const labels = Object.entries(s.labels ?? {}).map(([k, v]) =>
      `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`
    );
    const value = Number.isNaN(s.value)
      ? "NaN"
      : s.value === Infinity
      ? "+Inf"
      : s.value === -Infinity
      ? "-Inf"
      : String(s.value);
    lines.push(`${family.name}${labels.length ? `{${labels.join(",")}}` : ""} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}
