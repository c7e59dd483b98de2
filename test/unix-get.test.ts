/**
 * The GET on a Unix socket that the sampler and an API worker's /metrics use
 * to ask workers' metrics sockets: against real node:http servers on Unix
 * sockets (a content-length answer, a chunked one, another status, one that
 * never answers, none listening), and its parser on partial input.
 */
import { afterEach, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keptUnixGets, parseAnswer, unixGet } from "../src/unix-get.ts";

const servers: (Server | NetServer)[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listen(
  handler: Parameters<typeof createServer>[1],
  server: Server | NetServer = createServer(handler),
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "unix-get-"));
  dirs.push(dir);
  const path = join(dir, "s.sock");
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

/** A node:http server on a Unix socket that counts the connections it accepted and can close them (as its keep-alive timeout does). */
async function counted(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  const sockets: Socket[] = [];
  server.on("connection", (socket) => sockets.push(socket));
  return {
    path: await listen(handler, server),
    connections: () => sockets.length,
    closeAll: () => sockets.forEach((s) => s.destroy()),
  };
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

test("kept connections: GETs to one socket share one connection; one the server closed while idle is opened again", async () => {
  const gets = keptUnixGets();
  try {
    const body = "a_total 1\n".repeat(2000);
    let n = 0;
    const one = await counted((req, res) => res.end(`${req.url} ${++n}\n${body}`));
    for (const i of [1, 2, 3]) expect(await gets.get(one.path, "/metrics", 2000)).toBe(`/metrics ${i}\n${body}`);
    expect(one.connections()).toBe(1);

    // A server closes an idle kept connection (node:http after its keepAliveTimeout).
    const brief = await counted((_req, res) => res.end("ok"));
    expect(await gets.get(brief.path, "/metrics", 2000)).toBe("ok");
    brief.closeAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(await gets.get(brief.path, "/metrics", 2000)).toBe("ok");
    expect(brief.connections()).toBe(2);

    // retain closes the connections of sockets left out: the next GET opens a new one.
    gets.retain(new Set([brief.path]));
    expect(await gets.get(one.path, "/metrics", 2000)).toBe(`/metrics 4\n${body}`);
    expect(one.connections()).toBe(2);
  } finally {
    gets.close();
  }
});

test("kept connections: answers longer than a read, sent in pieces to two sockets at once, come whole", async () => {
  const gets = keptUnixGets();
  try {
    // 150 KB each (longer than the 64 KiB every kept connection reads into), in three writes 10 ms apart.
    const pieced = (line: string) => {
      const body = line.repeat(15_000);
      return counted((_req, res) => {
        res.writeHead(200, { "content-length": Buffer.byteLength(body) });
        const third = Math.ceil(body.length / 3);
        let at = 0;
        const next = () => {
          const part = body.slice(at, at += third);
          if (at >= body.length) return res.end(part);
          res.write(part);
          setTimeout(next, 10);
        };
        next();
      });
    };
    const a = await pieced("a_total 1\n");
    const b = await pieced("b_total 22\n");
    for (let round = 0; round < 2; round++) {
      const [fromA, fromB] = await Promise.all([
        gets.get(a.path, "/metrics", 5000),
        gets.get(b.path, "/metrics", 5000),
      ]);
      expect({ a: fromA === "a_total 1\n".repeat(15_000), b: fromB === "b_total 22\n".repeat(15_000) }).toEqual({
        a: true,
        b: true,
      });
    }
    expect([a.connections(), b.connections()]).toEqual([1, 1]);
  } finally {
    gets.close();
  }
});

test("kept connections: a reused connection closed as the GET goes out is retried once on a new one; a 404 or a silence is undefined", async () => {
  const gets = keptUnixGets();
  try {
    // Answers the first GET of each connection and closes the connection at its second, unanswered.
    let accepted = 0;
    const raw = createNetServer((socket) => {
      accepted += 1;
      let asked = 0;
      socket.on("data", () => {
        asked += 1;
        if (asked === 1) {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${String(accepted).length}\r\n\r\n${accepted}`);
        } else socket.destroy();
      });
    });
    const path = await listen(() => {}, raw);
    expect(await gets.get(path, "/metrics", 2000)).toBe("1");
    expect(await gets.get(path, "/metrics", 2000)).toBe("2");
    expect(accepted).toBe(2);

    const missing = await counted((_req, res) => res.writeHead(404).end("no"));
    expect(await gets.get(missing.path, "/metrics", 2000)).toBeUndefined();
    const silent = await counted(() => {});
    expect(await gets.get(silent.path, "/metrics", 200)).toBeUndefined();
    expect(await gets.get(join(tmpdir(), "unix-get-none", "s.sock"), "/metrics", 2000)).toBeUndefined();
  } finally {
    gets.close();
  }
});
