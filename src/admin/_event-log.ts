/**
 * The supervisor's events, numbered: a buffer of the last `capacity` events
 * (ids 1, 2, 3, ...), and at most `maxBytes` of them as JSON, that a
 * reconnecting client replays from, and a fan-out to live subscribers.
 * Appending never waits on a subscriber.
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

/** Bytes of buffered events by default (their JSON): the history stays small whatever happens. */
export const EVENT_LOG_BYTES = 1024 * 1024;

export function createEventLog(
  capacity: number,
  now: () => number = Date.now,
  maxBytes: number = EVENT_LOG_BYTES,
): EventLog {
  const kept: { readonly logged: LoggedEvent; readonly bytes: number }[] = [];
  let bytes = 0;
  let lastId = 0;
  const listeners = new Set<(logged: LoggedEvent) => void>();
  return {
    append(event) {
      const logged = { id: ++lastId, at: now(), event };
      const size = JSON.stringify(event).length;
      kept.push({ logged, bytes: size });
      bytes += size;
      // The newest one stays even alone over maxBytes (a reload event lists few files: see reportedFiles).
      while (kept.length > 1 && (kept.length > capacity || bytes > maxBytes)) bytes -= kept.shift()!.bytes;
      for (const listener of listeners) listener(logged);
      return logged;
    },
    since(id) {
      const events = kept.filter((e) => e.logged.id > id).map((e) => e.logged);
      const oldest = kept[0]?.logged.id ?? lastId + 1;
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
