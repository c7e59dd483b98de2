/**
 * Timers of any length. Node, Bun and Deno store a timer's delay in a signed
 * 32-bit integer: a delay above 2^31−1 ms (about 24.8 days; `--timeout
 * 3000000` is 3e9 ms) fires after 1 ms instead. Longer waits chain timers.
 */

/** The longest delay one runtime timer takes. */
export const TIMER_MAX_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

/** Calls `fn` once `ms` milliseconds have passed, however large `ms` is (Infinity: never). */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  let id: ReturnType<typeof setTimeout> | undefined;
  const arm = (left: number): void => {
    if (left === Infinity) return;
    const step = Math.min(Math.max(0, left), TIMER_MAX_MS);
    id = setTimeout(() => (left > TIMER_MAX_MS ? arm(left - TIMER_MAX_MS) : fn()), step);
  };
  arm(ms);
  return { cancel: () => clearTimeout(id) };
}

/** `timer`, made not to keep the process alive (Node's and Bun's timers are objects; Deno's a number: Deno.unrefTimer). */
export function unrefTimer<T>(timer: T): T {
  if (typeof timer === "object" && timer !== null && "unref" in timer) (timer as { unref(): void }).unref();
  else (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer as number);
  return timer;
}
