/**
 * The GET on a Unix socket that the sampler and an API worker's /metrics use
 * to ask workers' metrics sockets: against real node:http servers on Unix
 * sockets (a content-length answer, a chunked one, another status, one that
 * never answers, none listening), and its parser on partial input.
 */
import { afterEach, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAnswer, unixGet } from "../src/unix-get.ts";

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "unix-get-"));
  dirs.push(dir);
  const path = join(dir, "s.sock");
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

test("a 200 answer with content-length: its body, the path as asked; a chunked answer: its body joined", async () => {
  const body = "a_total 1\n".repeat(5000) + "é\n";
  const sized = await listen((req, res) => res.end(`${req.method} ${req.url}\n${body}`));
  expect(await unixGet(sized, "/metrics", 2000)).toBe(`GET /metrics\n${body}`);
  const chunked = await listen((_req, res) => {
    res.write("one ");
    setTimeout(() => res.end("two"), 20);
  });
  expect(await unixGet(chunked, "/metrics", 2000)).toBe("one two");
});

test("another status, an answer that never comes, and no server at all: undefined", async () => {
  const missing = await listen((_req, res) => res.writeHead(404).end("no"));
  expect(await unixGet(missing, "/metrics", 2000)).toBeUndefined();
  const silent = await listen(() => {});
  const started = Date.now();
  expect(await unixGet(silent, "/metrics", 200)).toBeUndefined();
  expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  expect(await unixGet(join(tmpdir(), "unix-get-none", "s.sock"), "/metrics", 2000)).toBeUndefined();
});

test("the parser waits for the whole answer and refuses a malformed one", () => {
  const b = (s: string) => Buffer.from(s, "latin1");
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), false)).toBe("incomplete");
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), true)).toBeUndefined();
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nabc"), false)).toBe("ab");
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), false)).toBe("incomplete");
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), false)).toBe(
    "abc",
  );
  expect(parseAnswer(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), false)).toBeUndefined();
  expect(parseAnswer(b("HTTP/1.0 200 OK\r\n\r\nuntil close"), false)).toBe("incomplete");
  expect(parseAnswer(b("HTTP/1.0 200 OK\r\n\r\nuntil close"), true)).toBe("until close");
  expect(parseAnswer(b("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"), false)).toBeUndefined();
  expect(parseAnswer(b("garbage"), true)).toBeUndefined();
});
