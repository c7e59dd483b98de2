/**
 * A pool's `resources` in the manifest: what the whole pool (all its workers,
 * one pod or container when scaled out) asks of a machine. `bento-kit export`
 * turns them into Kubernetes resource requests (GPUs as `nvidia.com/gpu`
 * limits, which Kubernetes requires) and Compose reservations; `serve` ignores them.
 */
import type { Checker } from "./_checker.ts";

export interface ResourcesInput {
  /** CPU cores as a number (1.5) or a Kubernetes quantity ("500m"). */
  readonly cpu?: number | string;
  /** Memory as a Kubernetes quantity: "512Mi", "2Gi". */
  readonly memory?: string;
  /** Whole NVIDIA GPUs. */
  readonly gpu?: number;
}

const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

export function validateResources(c: Checker, value: unknown, path: string): ResourcesInput | undefined {
  if (value === undefined) return undefined;
  if (!c.object(value, path, `an object with cpu, memory or gpu, e.g. { cpu: "500m", memory: "1Gi", gpu: 1 }`)) {
    return undefined;
  }
  c.knownKeys(value, path, ["cpu", "memory", "gpu"]);
  const { cpu, memory, gpu } = value;
  if (cpu !== undefined && !((typeof cpu === "number" && cpu > 0) || (typeof cpu === "string" && CPU.test(cpu)))) {
    c.issue(`${path}.cpu`, `expected cores as a number or a quantity like "500m", got ${JSON.stringify(cpu)}`);
  }
  if (memory !== undefined && !(typeof memory === "string" && MEMORY.test(memory))) {
    c.issue(`${path}.memory`, `expected a quantity like "512Mi" or "2Gi", got ${JSON.stringify(memory)}`);
  }
  c.optionalInt(gpu, `${path}.gpu`, 0, 64);
  return value as ResourcesInput;
}
