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

/**
 * A worker counts as stable after 30 s: one that loads a model for 10 s and
 * then dies (out of memory, say) is a crash loop, and its pool gives up after
 * its sixth such death, about 1 min in, instead of restarting it forever.
 * Retries come after 0, 250, 500, 1000, 2000 ms (±20 %).
 */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 250,
  capMs: 10_000,
  jitter: 0.2,
  maxRetries: 5,
  stableAfterMs: 30_000,
};

export type RespawnDecision =
  | { readonly action: "respawn"; readonly delayMs: number; readonly quickFailures: number }
  | { readonly action: "give-up"; readonly quickFailures: number };

export interface WorkerDeath {
  /** Quick deaths in a row before this one. */
  readonly quickFailures: number;
  readonly uptimeMs: number;
  /** A number in [0, 1), injected so tests are repeatable. */
  readonly random: number;
}

export function decideRespawn(policy: BackoffPolicy, death: WorkerDeath): RespawnDecision {
  const { uptimeMs, random } = death;
  if (uptimeMs >= policy.stableAfterMs) return { action: "respawn", delayMs: 0, quickFailures: 0 };
  const quickFailures = death.quickFailures + 1;
  if (quickFailures > policy.maxRetries) return { action: "give-up", quickFailures };
  if (quickFailures === 1) return { action: "respawn", delayMs: 0, quickFailures };
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** (quickFailures - 2));
  const delayMs = Math.round(raw * (1 + policy.jitter * (2 * random - 1)));
  return { action: "respawn", delayMs: Math.min(policy.capMs, delayMs), quickFailures };
}
