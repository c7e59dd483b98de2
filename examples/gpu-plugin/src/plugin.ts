/**
 * acme:gpu — pins each worker of a runner to its GPUs through
 * `CUDA_VISIBLE_DEVICES`, by worker id, so a respawned worker gets the same
 * device back. A worker beyond the device list is vetoed (kept down, the
 * others serve), or stops the service, or runs on the CPU, as chosen.
 */
import { err, ok } from "neverthrow";
import { definePlugin, type LaunchSpec, type SpawnPlan } from "bento-kit";
import { capacity, checkGpuOptions, devicesFor, type GpuOptions } from "./assign.ts";

export function gpuPlugin(options: GpuOptions) {
  const pinned = (role: string, pool: string) =>
    role === "runner" && (options.runners === undefined || options.runners.some((r) => pool === `runner:${r}`));
  return definePlugin({
    name: "acme:gpu",
    launchSpec(spec: LaunchSpec, ctx) {
      const checked = checkGpuOptions(options);
      if (checked.isErr()) return err(checked.error);
      for (const w of spec.watchers.filter((w) => pinned(w.role, w.name))) {
        if (w.workers > capacity(options)) {
          ctx.logger.warn(
            `${w.name} has ${w.workers} workers and ${options.devices.length} GPUs for ${capacity(options)} of them: ` +
              `workers ${capacity(options) + 1}..${w.workers} ${
                options.whenShort === "cpu" ? "run on the CPU" : "will not start"
              }`,
          );
        }
      }
      return ok(spec);
    },
    beforeSpawn(plan: SpawnPlan) {
      if (!pinned(plan.role, plan.pool)) return ok(plan);
      const devices = devicesFor(plan.workerId, options);
      if (devices === undefined && options.whenShort !== "cpu") {
        const why = `no GPU left for ${plan.pool} worker ${plan.workerId} (${options.devices.length} devices, ${
          options.workersPerGpu ?? 1
        } workers per GPU)`;
        return err(options.whenShort === "stop" ? { message: why, stop: true } : why);
      }
      return ok({ ...plan, env: { ...plan.env, CUDA_VISIBLE_DEVICES: devices?.join(",") ?? "-1" } });
    },
    afterSpawn(worker, ctx) {
      const gpus = worker.plan.env.CUDA_VISIBLE_DEVICES;
      if (pinned(worker.plan.role, worker.pool)) {
        ctx.logger.info(
          `Environ for worker ${worker.workerId} (pid ${worker.pid}): set CUDA_VISIBLE_DEVICES to ${gpus}`,
        );
      }
    },
  });
}
