/**
 * The supervisor's events, numbered: a ring buffer of the last `capacity`
 * events (ids 1, 2, 3, ...) that a reconnecting client replays from, and a
 * fan-out to live subscribers. Appending never waits on a subscriber.
 */
import type { SupervisorEvent } from "../core/events.ts";

export interface LoggedEvent {
  readonly id: number;
  /** Epoch ms when the admin server heard of it. */
  readonly at: number;
  readonly event: SupervisorEvent;
}

export interface EventLog {
  append(event: SupervisorEvent): LoggedEvent;
  /** The buffered events after `id`, and how many after it are no longer buffered. */
  since(id: number): { readonly events: readonly LoggedEvent[]; readonly missed: number };
  subscribe(listener: (logged: LoggedEvent) => void): () => void;
  readonly lastId: number;
}

export function createEventLog(capacity: number, now: () => number = Date.now): EventLog {
  const ring: LoggedEvent[] = [];
  let start = 0; // index in `ring` of the oldest event once it is full
  let lastId = 0;
  const listeners = new Set<(logged: LoggedEvent) => void>();
  return {
    append(event) {
      const logged = { id: ++lastId, at: now(), event };
      if (ring.length < capacity) ring.push(logged);
      else {
        ring[start] = logged;
        start = (start + 1) % capacity;
      }
      for (const listener of listeners) listener(logged);
      return logged;
    },
    since(id) {
      const ordered = ring.length < capacity ? ring : [...ring.slice(start), ...ring.slice(0, start)];
      const events = ordered.filter((e) => e.id > id);
      const oldest = ordered[0]?.id ?? lastId + 1;
      return { events, missed: Math.max(0, Math.min(oldest - 1, lastId) - id) };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get lastId() {
      return lastId;
    },
  };
}
