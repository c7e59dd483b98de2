/**
 * Runs the runner client on Node against a fake runner whose connections
 * misbehave on cue, and prints one JSON line: scenario -> what the caller saw
 * and how many requests reached the server. Used by runner-client.test.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRunnerClient, isRunnerError, type RunnerClient } from "../../src/worker/mod.ts";

type Behaviour = (req: IncomingMessage, res: ServerResponse, nthOnConnection: number) => void;

const answer: Behaviour = (_req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ ok: true }));
};

const behaviours: Record<string, Behaviour> = {
  // The 2nd request on a kept-alive connection finds it dead (a killed worker's).
  staleConnection: (req, res, n) => (n === 1 ? answer(req, res, n) : req.socket.destroy()),
  // Every connection dies before answering: nothing to retry on a fresh one.
  alwaysDies: (req) => req.socket.destroy(),
  // The 2nd request gets the start of an answer, then the connection dies.
  diesMidResponse: (req, res, n) => {
    if (n === 1) return answer(req, res, n);
    res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
    res.write('{"ok":');
    setTimeout(() => req.socket.destroy(), 20);
  },
  httpError: (_req, res) => {
    res.statusCode = 500;
    res.end("model exploded");
  },
  notJson: (_req, res) => res.end("<html>"),
  neverAnswers: () => {},

  echo: (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.setHeader("x-method", req.method ?? "");
      res.setHeader("x-custom", String(req.headers["x-custom"]));
      res.end(Buffer.concat(chunks));
    });
  },
};

type Call = (client: RunnerClient) => Promise<unknown>;
const post: Call = (client) => client.call("fake", "/predict", [[1, 2, 3, 4]]);
const put: Call = (client) => client.call("fake", "/predict", [[1, 2, 3, 4]], { method: "PUT" });
const markedIdempotent: Call = (client) => client.call("fake", "/predict", [[1, 2, 3, 4]], { idempotent: true });

async function run(name: string, behaviour: Behaviour, calls: Call[], tcp = false): Promise<unknown> {
  let requests = 0;
  const perSocket = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    requests += 1;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (name === "echo") return behaviour(req, res, n);
    req.resume();
    req.on("end", () => behaviour(req, res, n));
  });
  const dir = mkdtempSync(join(tmpdir(), "bento-probe-"));
  const socketPath = join(dir, `${name}.sock`);
  await new Promise<void>((
    resolve,
  ) => (tcp ? server.listen(0, "127.0.0.1", resolve) : server.listen(socketPath, resolve)));
  const address = server.address();
  const url = typeof address === "object" && address !== null
    ? `tcp://127.0.0.1:${address.port}`
    : `unix://${socketPath}`;
  const client = createRunnerClient({ fake: url }, { timeout: 0.3 });
  const outcomes: unknown[] = [];
  for (const call of calls) {
    try {
      outcomes.push({ value: await call(client) });
    } catch (error) {
      if (!isRunnerError(error)) throw error;
      const { kind, message, status, body, code } = error;
      outcomes.push({ error: { kind, message, status, body, code } });
    }
  }
  client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  return { outcomes, requests };
}

const b = behaviours;
const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const results: Record<string, unknown> = {
  staleConnection: await run("staleConnection", b.staleConnection!, [post, post]),
  staleConnectionTcp: await run("tcp", b.staleConnection!, [post, post], true),
  staleIdempotent: await run("staleIdempotent", b.staleConnection!, [put, put]),
  staleMarkedIdempotent: await run("staleMarked", b.staleConnection!, [post, markedIdempotent], true),
  alwaysDies: await run("alwaysDies", b.alwaysDies!, [post]),
  alwaysDiesIdempotent: await run("alwaysDiesIdem", b.alwaysDies!, [markedIdempotent]),
  diesMidResponse: await run("diesMidResponse", b.diesMidResponse!, [post, post]),
  httpError: await run("httpError", b.httpError!, [post]),
  notJson: await run("notJson", b.notJson!, [post]),
  neverAnswers: await run("neverAnswers", b.neverAnswers!, [post]),
  perCallTimeout: await run("perCallTimeout", b.neverAnswers!, [
    (c) => c.call("fake", "/slow", null, { timeout: 0.1 }),
  ]),
  aborted: await run("aborted", b.neverAnswers!, [
    (c) => c.call("fake", "/slow", null, { timeout: 0, signal: AbortSignal.timeout(100) }),
    (c) => {
      const a = new AbortController();
      a.abort();
      return c.call("fake", "/slow", null, { signal: a.signal });
    },
  ]),
  echo: await run("echo", b.echo!, [
    async (c) => {
      const res = await c.request("fake", "/bytes", { method: "PUT", body: bytes, headers: { "x-custom": "yes" } });
      const same = res.body.length === 256 && res.body.every((v, i) => v === i);
      return { status: res.status, same, method: res.headers["x-method"], custom: res.headers["x-custom"] };
    },
    (c) => c.request("fake", "/text", { body: "héllo" }).then((res) => res.text()),
    (c) => c.call("fake", "/get", undefined, { method: "GET" }),
  ]),
};
results.missingSocket = await (async () => {
  const client = createRunnerClient({ fake: "unix:///nonexistent/bento/iris.sock" });
  try {
    await client.call("fake", "/predict", []);
    return { value: "unexpected success" };
  } catch (error) {
    return isRunnerError(error) ? { kind: error.kind, code: error.code, message: error.message } : String(error);
  }
})();
console.log(JSON.stringify(results));
