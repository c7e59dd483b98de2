/**
 * The access line of a Fetch API exchange (Bun.serve, Deno.serve): `length=` of
 * an answer without content-length is counted, read whole for JSON and plain
 * text (what frameworks answer from a string), chunk by chunk for a stream,
 * whose line comes once it has ended (src/worker/_access-log.ts).
 */
import { expect, test } from "bun:test";
import { logFetchExchange } from "../../src/worker/_access-log.ts";

const request = new Request("http://127.0.0.1:3000/classify?x=1", {
  method: "POST",
  headers: { "content-type": "application/json", "content-length": "19" },
  body: "[[5.1,3.5,1.4,0.2]]",
});

/** The line logged for `response`, once it is out (the original body read as a server would). */
async function lineFor(response: Response): Promise<string> {
  const lines: string[] = [];
  logFetchExchange((line) => lines.push(line), { address: "127.0.0.1", port: 5555 }, request, response, "http", 1.5);
  await response.arrayBuffer();
  for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const responseFields = (line: string) => line.match(/\) \((status=.*)\) 1\.500ms$/)?.[1];

test("a JSON or plain-text answer from a string: its UTF-8 bytes; the request's fields, the path without query", async () => {
  const json = await lineFor(Response.json({ name: "é" }));
  expect(json).toBe(
    "127.0.0.1:5555 (scheme=http,method=POST,path=/classify,type=application/json,length=19) " +
      "(status=200,type=application/json;charset=utf-8,length=13) 1.500ms",
  );
  const text = new Response("héllo", { status: 201, headers: { "content-type": "text/plain; charset=UTF-8" } });
  expect(responseFields(await lineFor(text))).toBe("status=201,type=text/plain; charset=UTF-8,length=6");
});

test("a streamed answer (an event stream, chunked text) is counted chunk by chunk and logged at its end", async () => {
  const chunks = (...parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
  const events = new Response(chunks("data: 1\n\n", "data: 22\n\n"), {
    headers: { "content-type": "text/event-stream" },
  });
  expect(responseFields(await lineFor(events))).toBe("status=200,type=text/event-stream,length=19");
  const chunked = new Response(chunks("ab", "c"), {
    headers: { "content-type": "text/plain", "transfer-encoding": "chunked" },
  });
  expect(responseFields(await lineFor(chunked))).toBe("status=200,type=text/plain,length=3");
});

test("content-length when the answer has it; empty for no body", async () => {
  const sized = new Response("abc", { headers: { "content-type": "text/html", "content-length": "3" } });
  expect(responseFields(await lineFor(sized))).toBe("status=200,type=text/html,length=3");
  expect(responseFields(await lineFor(new Response(null, { status: 204 })))).toBe("status=204,type=,length=");
});
