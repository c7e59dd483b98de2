/**
 * Debounce for `serve --reload`: changes are gathered until none came for
 * `quietMs` (or `maxWaitMs` passed since the first), then handed over as one
 * batch, each path once. An editor saving ten files, or a `git checkout`, is
 * one reload. A batch is not handed over while the previous one is still
 * being handled: what comes meanwhile waits and becomes the next batch.
 */
import type { Clock } from "./ports.ts";

export interface ChangeBatchOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
}

export const DEFAULT_BATCH: ChangeBatchOptions = { quietMs: 150, maxWaitMs: 1_000 };

export interface ChangeBatch {
  add(paths: readonly string[]): void;
  /** Drop what is pending; nothing more is handed over. */
  close(): void;
}

export function createChangeBatch(
  clock: Clock,
  options: ChangeBatchOptions,
  handle: (paths: readonly string[]) => Promise<void>,
): ChangeBatch {
  let pending = new Set<string>();
  let firstAt = 0;
  let timer: { cancel(): void } | undefined;
  let busy = false;
  let closed = false;

  function schedule(): void {
    timer?.cancel();
    const wait = Math.min(options.quietMs, Math.max(0, firstAt + options.maxWaitMs - clock.now()));
    timer = clock.setTimeout(flush, wait);
  }

  async function flush(): Promise<void> {
    timer = undefined;
    if (closed || busy || pending.size === 0) return;
    const paths = [...pending].sort();
    pending = new Set();
    busy = true;
    try {
      await handle(paths);
    } finally {
      busy = false;
      if (pending.size > 0 && !closed) {
        firstAt = clock.now();
        schedule();
      }
    }
  }

  return {
    add(paths) {
      if (closed || paths.length === 0) return;
      if (pending.size === 0) firstAt = clock.now();
      for (const p of paths) pending.add(p);
      if (!busy) schedule();
    },
    close() {
      closed = true;
      timer?.cancel();
      pending.clear();
    },
  };
}
