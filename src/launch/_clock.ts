import type { Clock } from "../core/ports.ts";
import { setLongTimeout } from "../timer.ts";

/** The real clock; its timers wait however long they are asked (past 2^31−1 ms too). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  random: () => Math.random(),
};
