/**
 * Which GPUs a worker gets, as BentoML's resource allocation hands them out
 * (`CUDA_VISIBLE_DEVICES=gpus[i // workers_per_resource]`): with
 * `workersPerGpu` N ≥ 1, workers 1..N share the first device, N+1..2N the
 * second, and so on; with a fraction (0.5, 0.25), each worker gets
 * round(1/fraction) devices of its own. Pure: no runtime API here.
 */
import { err, ok, type Result } from "neverthrow";

export interface GpuOptions {
  /** The devices to hand out, e.g. `["0", "1"]` or GPU UUIDs; see `devicesFromEnv`. */
  readonly devices: readonly string[];
  /** Runners whose workers get GPUs (default: every runner). */
  readonly runners?: readonly string[];
  /** Workers per device, BentoML's `workers_per_resource` (default 1); 0.5 gives each worker 2 devices. */
  readonly workersPerGpu?: number;
  /**
   * A worker beyond the devices: `veto` keeps it down (the default; the others
   * serve), `stop` stops the service, `cpu` starts it with no GPU (`-1`).
   */
  readonly whenShort?: "veto" | "stop" | "cpu";
}

/** How many workers `options` can give devices to. */
export function capacity(options: GpuOptions): number {
  const per = options.workersPerGpu ?? 1;
  return per >= 1 ? options.devices.length * per : Math.floor(options.devices.length / Math.round(1 / per));
}

/** The problem with `options`, if any, as one line naming the option. */
export function checkGpuOptions(options: GpuOptions): Result<GpuOptions, string> {
  const per = options.workersPerGpu ?? 1;
  if (options.devices.length === 0) {
    return err('devices: give at least one device, e.g. devices: ["0"] (or devicesFromEnv(process.env))');
  }
  if (!(per > 0) || (per > 1 && !Number.isInteger(per))) {
    return err(
      `workersPerGpu: expected a whole number of workers per GPU, or a fraction below 1 (0.5: two GPUs per worker), got ${per}`,
    );
  }
  return ok(options);
}

/** The devices of worker `workerId` (1-based), or undefined when none is left for it. */
export function devicesFor(workerId: number, options: GpuOptions): readonly string[] | undefined {
  const per = options.workersPerGpu ?? 1;
  const i = workerId - 1;
  if (i >= capacity(options)) return undefined;
  if (per >= 1) return [options.devices[Math.floor(i / per)]!];
  const each = Math.round(1 / per);
  return options.devices.slice(i * each, (i + 1) * each);
}

/** The device list in `CUDA_VISIBLE_DEVICES` (`"0,1"`), or none. */
export function devicesFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.CUDA_VISIBLE_DEVICES ?? "").split(",").map((d) => d.trim()).filter((d) => d !== "" && d !== "-1");
}
