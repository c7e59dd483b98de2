/** GET /v1/events: SSE with ids, Last-Event-ID replay, bounded per-client queues. */
import { afterEach, expect, test } from "bun:test";
import { type AdminApp, type AdminAppOptions, createAdminApp } from "../../src/admin/app.ts";
import { createEventLog } from "../../src/admin/_event-log.ts";
import { createFakeControl, type FakeControl, fakeServiceInfo } from "./_fake-control.ts";

const H = { Authorization: "Bearer t" };
let opened: AdminApp[] = [];
afterEach(() => {
  opened.forEach((a) => a.close());
  opened = [];
});

function setup(extra: Partial<AdminAppOptions> = {}): { admin: AdminApp; control: FakeControl } {
  const control = createFakeControl({ api_server: 1 });
  const admin = createAdminApp({ control, service: () => fakeServiceInfo(control), token: "t", ...extra });
  opened.push(admin);
  return { admin, control };
}

const exit = (workerId: number) => ({
  type: "exit" as const,
  exit: { pool: "api_server", workerId, pid: 7, code: 1, signal: null, uptimeMs: 3 } as never,
  reason: "exit code 1",
});

/** Read SSE messages until `count` events arrived or the stream ended. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  count: number,
): Promise<{ events: { id: number; data: Record<string, unknown> }[]; text: string; ended: boolean }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const events: { id: number; data: Record<string, unknown> }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) return { events, text, ended: true };
    text += decoder.decode(value);
    const blocks = text.split("\n\n");
    events.length = 0;
    for (const block of blocks) {
      const id = /^id: (\d+)$/m.exec(block);
      const data = /^data: (.*)$/m.exec(block);
      if (id && data) events.push({ id: Number(id[1]), data: JSON.parse(data[1]!) });
    }
  }
  reader.releaseLock();
  return { events, text, ended: false };
}

test("events arrive with increasing ids, as JSON with their type and time", async () => {
  const { admin, control } = setup();
  const res = await admin.app.request("/v1/events", { headers: H });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  await control.restart("api_server");
  const { events } = await readEvents(res.body!, 4);
  expect(events.map((e) => e.data.type)).toEqual(["restart", "exit", "spawn", "ready"]);
  expect(events.map((e) => e.id)).toEqual(events.map((e) => e.data.id as number));
  expect(events[1]!.id).toBe(events[0]!.id + 1);
  expect(typeof events[0]!.data.at).toBe("number");
  await res.body!.cancel();
});

test("a client that reconnects with Last-Event-ID gets every buffered event after it", async () => {
  const { admin, control } = setup();
  for (let i = 1; i <= 5; i++) control.emit(exit(i));
  const res = await admin.app.request("/v1/events", { headers: { ...H, "Last-Event-ID": "2" } });
  const { events } = await readEvents(res.body!, 3);
  expect(events.map((e) => e.id)).toEqual([3, 4, 5]);
  expect(events.map((e) => (e.data.exit as { workerId: number }).workerId)).toEqual([1, 2, 3].map((n) => n + 2));
  await res.body!.cancel();
});

test("the ring buffer keeps the last N events and says how many a late client missed", async () => {
  const log = createEventLog(3);
  for (let i = 1; i <= 5; i++) log.append(exit(i));
  expect(log.since(0).events.map((e) => e.id)).toEqual([3, 4, 5]);
  expect(log.since(0).missed).toBe(2);
  expect(log.since(3).events.map((e) => e.id)).toEqual([4, 5]);
  expect(log.since(3).missed).toBe(0);
  expect(log.since(5).events).toEqual([]);

  const { admin, control } = setup({ eventBuffer: 3 });
  for (let i = 1; i <= 5; i++) control.emit(exit(i));
  const res = await admin.app.request("/v1/events", { headers: { ...H, "Last-Event-ID": "0" } });
  const { events, text } = await readEvents(res.body!, 3);
  expect(events.map((e) => e.id)).toEqual([3, 4, 5]);
  expect(text).toContain(": 2 events after 0 are no longer buffered");
  await res.body!.cancel();
});

test("a client that stops reading is disconnected once its queue is full; others keep receiving; the supervisor never waits", async () => {
  const { admin, control } = setup({ clientQueue: 10 });
  const stalled = await admin.app.request("/v1/events", { headers: H });
  const live = await admin.app.request("/v1/events", { headers: H });
  const following = readEvents(live.body!, 50);
  for (let i = 1; i <= 50; i++) {
    control.emit(exit(i)); // synchronous: returns without waiting on any reader
    if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1)); // the live reader keeps up, the stalled one does not read
  }
  const got = await following;
  expect(got.events.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  // The stalled one holds at most its queue, then its stream ends: it may reconnect with Last-Event-ID.
  const late = await readEvents(stalled.body!, 1000);
  expect(late.ended).toBe(true);
  expect(late.events.length).toBeLessThanOrEqual(10);
  await live.body!.cancel();
});

test("a client that goes away is forgotten, and there is a cap on clients", async () => {
  const { admin } = setup({ maxEventClients: 2 });
  const a = await admin.app.request("/v1/events", { headers: H });
  const b = await admin.app.request("/v1/events", { headers: H });
  const c = await admin.app.request("/v1/events", { headers: H });
  expect(c.status).toBe(503);
  expect((await c.json()).error.kind).toBe("TooManyClients");
  await a.body!.cancel();
  const d = await admin.app.request("/v1/events", { headers: H });
  expect(d.status).toBe(200);
  await b.body!.cancel();
  await d.body!.cancel();
});

test("heartbeat comments keep an idle stream alive, and close() ends every stream", async () => {
  const { admin } = setup({ heartbeatMs: 20 });
  const res = await admin.app.request("/v1/events", { headers: H });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(": heartbeat")) text += decoder.decode((await reader.read()).value);
  admin.close();
  while (!(await reader.read()).done);
});

test("issue 19 item 14: the event history is bounded by bytes as well as by count", () => {
  const log = createEventLog(1000, Date.now, 2_000);
  const big = (i: number) => ({ type: "reload", phase: "done", files: [`${"x".repeat(400)}-${i}`] }) as const;
  for (let i = 1; i <= 50; i++) log.append(big(i));
  const kept = log.since(0);
  expect(kept.events.length).toBeGreaterThan(0);
  expect(kept.events.reduce((n, e) => n + JSON.stringify(e.event).length, 0)).toBeLessThanOrEqual(2_000);
  expect(kept.events.at(-1)!.id).toBe(50);
  expect(kept.missed).toBe(50 - kept.events.length);
});
