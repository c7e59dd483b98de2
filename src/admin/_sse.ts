/**
 * Server-Sent Events from the event log. Each client gets a stream with a
 * bounded queue: a client that falls `queueLimit` events or `queueBytes`
 * bytes behind (a stalled reader) is disconnected and may come back with Last-Event-ID; one that goes
 * away is forgotten as soon as the server cancels its stream. The log's
 * listeners only ever enqueue, so no client can hold up the supervisor.
 */
import type { EventLog, LoggedEvent } from "./_event-log.ts";

export interface EventStreamOptions {
  /** Events a client may have queued before it is disconnected. */
  readonly queueLimit: number;
  /** Bytes a client may have queued before it is disconnected (an event counts at least queueBytes / queueLimit). */
  readonly queueBytes?: number;
  readonly maxClients: number;
  /** A comment line this often keeps proxies and idle timers from closing the stream. */
  readonly heartbeatMs: number;
}

export interface EventStreams {
  /** A new client's stream, or undefined when maxClients are already connected. */
  open(lastEventId: number | undefined): ReadableStream<Uint8Array> | undefined;
  readonly clients: number;
  /** End every stream (the admin server is closing). */
  closeAll(): void;
}

/** Bytes a client may have queued by default. */
export const CLIENT_QUEUE_BYTES = 1024 * 1024;

export function formatEvent(logged: LoggedEvent): string {
  return `id: ${logged.id}\ndata: ${JSON.stringify({ id: logged.id, at: logged.at, ...logged.event })}\n\n`;
}

export function createEventStreams(log: EventLog, options: EventStreamOptions): EventStreams {
  const open = new Set<() => void>();
  const encoder = new TextEncoder();
  const queueBytes = options.queueBytes ?? CLIENT_QUEUE_BYTES;
  const perEvent = queueBytes / options.queueLimit;
  return {
    open(lastEventId) {
      if (open.size >= options.maxClients) return undefined;
      let end = () => {};
      return new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (text: string) => controller.enqueue(encoder.encode(text));
          const behind = () => (controller.desiredSize ?? 0) <= 0;
          send("retry: 1000\n\n");
          if (lastEventId !== undefined) {
            const { events, missed } = log.since(lastEventId);
            if (missed > 0) send(`: ${missed} events after ${lastEventId} are no longer buffered\n\n`);
            for (const e of events) send(formatEvent(e));
          }
          const unsubscribe = log.subscribe((e) => (behind() ? end() : send(formatEvent(e))));
          const heartbeat = setInterval(() => behind() || send(": heartbeat\n\n"), options.heartbeatMs);
          end = () => {
            if (!open.delete(end)) return;
            unsubscribe();
            clearInterval(heartbeat);
            try {
              controller.close();
            } catch {
              // already closed or cancelled
            }
          };
          open.add(end);
        },
        cancel() {
          end();
        },
      }, { highWaterMark: queueBytes, size: (chunk) => Math.max(chunk?.byteLength ?? 0, perEvent) });
    },
    get clients() {
      return open.size;
    },
    closeAll() {
      for (const end of [...open]) end();
    },
  };
}
