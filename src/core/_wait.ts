import type { Clock } from "./ports.ts";

/** Poll `condition` every `stepMs` until it holds (true) or `timeoutMs` passes (false). */
export async function waitFor(
  clock: Clock,
  condition: () => boolean,
  timeoutMs: number,
  stepMs = 25,
): Promise<boolean> {
  const end = clock.now() + Math.max(0, timeoutMs);
  while (!condition()) {
    if (clock.now() >= end) return false;
    await new Promise<void>((resolve) => clock.setTimeout(resolve, stepMs));
  }
  return true;
}
