/**
 * The supervisor's one event path: `emit` hands each event to every
 * subscriber in the order they subscribed, one event after the other, before
 * it returns. `Supervisor.on()` listeners and the plugins' `onEvent` hook are
 * subscribers alike. A subscriber that throws is logged; the others still get
 * the event, and the supervisor goes on.
 */
import type { SupervisorEvent } from "./events.ts";
import type { Logger } from "./logger.ts";

export type EventListener = (event: SupervisorEvent) => void;

export interface EventBus {
  emit(event: SupervisorEvent): void;
  /** Subscribe; the returned function unsubscribes. */
  on(listener: EventListener): () => void;
}

export function createEventBus(logger: Logger): EventBus {
  const listeners = new Set<EventListener>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (cause) {
          logger.error(`An event listener failed on "${event.type}": ${(cause as Error)?.message ?? String(cause)}`);
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
