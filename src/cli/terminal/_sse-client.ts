/**
 * Follow the admin server's event stream (fetch + a stream reader; the
 * parsing EventSource would do): each `data:` block is one event.
 */
import { err, ok, type Result } from "neverthrow";
import { type ClientError, type Target, unreachable } from "./_admin-client.ts";
import type { StreamedEvent } from "./_event-line.ts";

/** Read the stream until it ends: ok(last id seen), or err when it cannot be opened. */
export async function readEventStream(
  target: Target,
  lastEventId: number | undefined,
  onEvent: (event: StreamedEvent) => void,
): Promise<Result<number | undefined, ClientError>> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/v1/events`, {
      headers: {
        Authorization: `Bearer ${target.token}`,
        ...(lastEventId === undefined ? {} : { "Last-Event-ID": String(lastEventId) }),
      },
    });
  } catch (e) {
    return err(unreachable(target, e));
  }
  if (!res.ok || !res.body) {
    const message = res.status === 401
      ? `The admin server at ${target.url} refused the token: set BENTO_ADMIN_TOKEN to the token of that service`
      : `The admin server at ${target.url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`;
    return err({ kind: "AdminRefused", status: res.status, apiKind: "Unknown", message });
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last = lastEventId;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join(
          "\n",
        );
        if (data === "") continue;
        const event = JSON.parse(data) as StreamedEvent;
        last = event.id;
        onEvent(event);
      }
    }
  } catch {
    // The connection dropped (the service stopped, or it disconnected a slow reader): the caller decides.
  }
  return ok(last);
}
