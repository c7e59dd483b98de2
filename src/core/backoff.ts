/**
 * Crash-loop back-off: a worker that dies soon after it started is respawned
 * at once the first time, then after an exponentially growing, capped,
 * jittered delay; after `maxRetries`
 * such quick deaths in a row its pool gives up. A worker that ran for at
 * least `stableAfterMs` is replaced at once and its count starts over.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** Jitter as a fraction of the delay, e.g. 0.2 for ±20 %. */
  readonly jitter: number;
  readonly maxRetries: number;
  readonly stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 100,
  capMs: 10_000,
  jitter: 0.2,
  maxRetries: 5,
  stableAfterMs: 5_000,
};

export type RespawnDecision =
  | { readonly action: "respawn"; readonly delayMs: number; readonly quickFailures: number }
  | { readonly action: "give-up"; readonly quickFailures: number };

/** `random` is a number in [0, 1), injected so tests are repeatable. */
export function decideRespawn(policy: BackoffPolicy, previousQuickFailures: number, uptimeMs: number, random: number): RespawnDecision {
  if (uptimeMs >= policy.stableAfterMs) return { action: "respawn", delayMs: 0, quickFailures: 0 };
  const quickFailures = previousQuickFailures + 1;
  if (quickFailures > policy.maxRetries) return { action: "give-up", quickFailures };
  if (quickFailures === 1) return { action: "respawn", delayMs: 0, quickFailures };
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** (quickFailures - 2));
  const delayMs = Math.round(raw * (1 + policy.jitter * (2 * random - 1)));
  return { action: "respawn", delayMs: Math.min(policy.capMs, delayMs), quickFailures };
}
