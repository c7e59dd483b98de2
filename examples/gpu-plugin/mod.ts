/**
 * @acme/bento-gpu: a bento-kit plugin that pins each runner worker to GPUs.
 *
 * ```ts
 * // bento.config.ts
 * import { defineService } from "bento-kit";
 * import { gpuPlugin } from "@acme/bento-gpu";
 *
 * export default defineService({
 *   name: "llm",
 *   api: { command: { module: "./api.ts" } },
 *   runners: { llm: { command: ["python3", "runner.py", "--fd", "{fd:llm}"], workers: 4 } },
 *   plugins: [gpuPlugin({ devices: ["0", "1"], workersPerGpu: 2 })],
 * });
 * ```
 * @module
 */
export { gpuPlugin } from "./src/plugin.ts";
export { capacity, checkGpuOptions, devicesFor, devicesFromEnv, type GpuOptions } from "./src/assign.ts";
