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
import { createRunnerClient, isRunnerError } from "../../src/worker/mod.ts";

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
};

async function run(name: string, behaviour: Behaviour, calls: number, tcp: boolean): Promise<unknown> {
  let requests = 0;
  const perSocket = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    requests += 1;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    req.resume();
    req.on("end", () => behaviour(req, res, n));
  });
  const dir = mkdtempSync(join(tmpdir(), "bento-probe-"));
  const socketPath = join(dir, `${name}.sock`);
  await new Promise<void>((resolve) => (tcp ? server.listen(0, "127.0.0.1", resolve) : server.listen(socketPath, resolve)));
  const address = server.address();
  const url = typeof address === "object" && address !== null ? `tcp://127.0.0.1:${address.port}` : `unix://${socketPath}`;
  const client = createRunnerClient({ fake: url }, { timeout: 0.3 });
  const outcomes: unknown[] = [];
  for (let i = 0; i < calls; i++) {
    try {
      outcomes.push({ value: await client.call("fake", "/predict", [[1, 2, 3, 4]]) });
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

const results: Record<string, unknown> = {};
for (const [name, behaviour] of Object.entries(behaviours)) {
  results[name] = await run(name, behaviour, name === "staleConnection" || name === "diesMidResponse" ? 2 : 1, false);
}
results.staleConnectionTcp = await run("tcp", behaviours.staleConnection!, 2, true);
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
