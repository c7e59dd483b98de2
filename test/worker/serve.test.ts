// serve() on Node, in a worker holding an inherited Unix socket: graceful stop
// on SIGTERM, forced exit after the graceful timeout, a clear error with no socket.
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { type Launcher, NODE_TS, startLauncher } from "./_harness.ts";

const SLOW = 30_000;
const slowWorker = [...NODE_TS, "test/worker/_slow-worker.ts"];
let launcher: Launcher | undefined;

afterEach(async () => {
  await launcher?.stop();
  launcher = undefined;
});

/** A raw HTTP/1.1 connection, to see exactly what the server does with it. */
function connect(path: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = createConnection({ path });
  let text = "";
  socket.on("data", (chunk) => (text += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, received: () => text, closed };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test(
  "SIGTERM: the in-flight request finishes, idle keep-alive connections close, exit 0, socket file kept",
  async () => {
    launcher = await startLauncher();
    const { path } = await launcher.bindUnix("slow");
    // A long keep-alive timeout: only the graceful stop can close the idle connection in time.
    const env = { BENTO_TIMEOUT_KEEP_ALIVE: "120" };
    const pid = await launcher.spawn("slow", ["slow"], slowWorker, { env });
    await launcher.waitForLine(pid, /ready/);

    const idle = connect(path);
    idle.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => idle.received().endsWith("ok"), "the idle connection's first answer");
    const busy = connect(path);
    busy.socket.write("GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n");
    await launcher.waitForLine(pid, /slow request started/);

    launcher.kill(pid, "SIGTERM");
    await idle.closed;
    await busy.closed;
    expect(busy.received()).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(busy.received()).toMatch(/\r\nConnection: close\r\n/i);
    expect(busy.received()).toEndWith("slept 800 ms");
    expect(await launcher.waitForExit(pid)).toEqual({ code: 0, signal: null });
    expect(launcher.lines(pid)).toContain(
      `worker ${pid}: SIGTERM received, finishing 1 in-flight request(s) (at most 30s)`,
    );
    expect(existsSync(path)).toBe(true); // the supervisor owns the socket file
  },
  SLOW,
);

test(
  "a request still running after BENTO_TIMEOUT_GRACEFUL_SHUTDOWN no longer holds the worker: exit 1",
  async () => {
    launcher = await startLauncher();
    const { path } = await launcher.bindUnix("slow");
    const pid = await launcher.spawn("slow", ["slow"], slowWorker, { env: { BENTO_TIMEOUT_GRACEFUL_SHUTDOWN: "0.3" } });
    await launcher.waitForLine(pid, /ready/);
    const stuck = connect(path);
    stuck.socket.write("GET /slow?ms=600000 HTTP/1.1\r\nHost: x\r\n\r\n");
    await launcher.waitForLine(pid, /slow request started/);
    launcher.kill(pid, "SIGINT");
    expect(await launcher.waitForExit(pid)).toEqual({ code: 1, signal: null });
    expect(launcher.lines(pid).join("\n")).toContain(
      "graceful shutdown timed out after 0.3s with 1 request(s) in flight",
    );
    await stuck.closed;
  },
  SLOW,
);

test(
  "a worker started without a socket says so and exits non-zero",
  async () => {
    launcher = await startLauncher();
    const pid = await launcher.spawn("lost", [], slowWorker);
    const exit = await launcher.waitForExit(pid);
    expect(exit.code).not.toBe(0);
    expect(launcher.lines(pid).join("\n")).toContain(`No listening socket was passed to this process (pid ${pid})`);
  },
  SLOW,
);
