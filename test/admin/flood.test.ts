/**
 * Issue 19 item 1: a flood of idle connections to the admin port (anyone on
 * the host can open them, no token needed) must not take the service down.
 * The supervisor runs with `ulimit -n 1024` and gets 1,100 connections that
 * never send a byte; then one worker is killed with SIGKILL. The three
 * supervisors (Node, Bun, Deno) are flooded at once: each case waits out the
 * admin server's header timeout, and those waits overlap.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import {
  cleanup,
  CLEANUP_MS,
  post,
  type Runtime,
  RUNTIMES,
  serve,
  serviceTestMs,
  sleep,
  supervisorArgv,
} from "../_helpers/serve-process.ts";
import { readProc } from "../_helpers/procs.ts";
import { fdCount } from "../_helpers/chaos.ts";
import { adminConnectionLimits } from "../../src/launch/_admin-server.ts";
import { newStateDir } from "./_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const TOKEN = "flood-admin-token-0123456789";
const FD_LIMIT = 1024;
const FLOOD = 1100;

interface Flooder {
  readonly socket: Socket;
  connected: boolean;
  /** Closed by the server (the test only destroys them at the end). */
  closed: boolean;
}

function openIdle(port: number): Flooder {
  const f: Flooder = { socket: connect(port, "127.0.0.1"), connected: false, closed: false };
  f.socket.on("connect", () => (f.connected = true));
  f.socket.on("error", () => {});
  f.socket.on("close", () => (f.closed = true));
  return f;
}

async function waitFor(what: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await sleep(50);
  }
  return what();
}

/**
 * How late the kernel can still hand the server a connection whose client already counts it open: a handshake
 * whose last ACK met a full accept queue waits for a SYN-ACK retransmit (after 1, 3, 7, 15, 31, 63 s with the
 * default tcp_synack_retries of 5), and the client re-ACKs each one.
 */
function synAckWindowMs(): number {
  let retries = 5;
  try {
    retries = Number(readFileSync("/proc/sys/net/ipv4/tcp_synack_retries", "utf8").trim()) || retries;
  } catch { /* not Linux: the default */ }
  return (2 ** (retries + 1) - 1) * 1000;
}

/** Pids of the supervisor's own children (its workers). */
function childrenOf(pid: number): Set<number> {
  return new Set(
    readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number)
      .filter((p) => readProc(p)?.ppid === pid && readProc(p)?.state !== "Z"),
  );
}

async function flooded(runtime: Runtime): Promise<void> {
  const limits = adminConnectionLimits(FD_LIMIT);
  const argv = ["bash", "-c", `ulimit -n ${FD_LIMIT}; exec "$@"`, "bash", ...supervisorArgv(runtime)];
  const env = { BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: newStateDir() };
  const s = await serve(runtime, "examples/iris", [], env, argv);
  const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  const pools = await (await fetch(`${url}/v1/pools`, auth)).json() as {
    pools: { name: string; workers: { pid: number }[] }[];
  };
  const victim = pools.pools.find((p) => p.name === "api_server")!.workers[0]!.pid;
  const before = childrenOf(s.pid);
  expect(before.has(victim)).toBe(true);
  expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");

  const flood: Flooder[] = [];
  try {
    const fdsBefore = fdCount(s.pid);
    let fdsMost = fdsBefore;
    const sampleFds = () => (fdsMost = Math.max(fdsMost, fdCount(s.pid)));
    for (let i = 0; i < FLOOD; i++) flood.push(openIdle(Number(new URL(url).port)));
    // Every connection accepted, or closed by the server.
    await waitFor(() => (sampleFds(), flood.every((f) => f.connected || f.closed)), 20_000);
    const openNow = () => flood.filter((f) => !f.closed).length;
    // Capped, as the supervisor sees it: the connections it holds never take much more than the cap's worth of
    // descriptors (one more is closed as it is accepted; Deno frees a closed one's fd a moment later: seen at 127 +
    // 47), far from the 1,024 that 1,100 accepted ones would take. The client's view lags: a connection whose
    // handshake the full accept queue dropped looks open to its client until a SYN-ACK retransmit (1, 3, 7 s...)
    // gets it accepted.
    await waitFor(() => (sampleFds(), openNow() <= limits.maxConnections), limits.headerTimeoutMs / 2);
    console.log(`flood ${runtime}: supervisor fds ${fdsBefore} -> at most ${fdsMost} (cap ${limits.maxConnections})`);
    expect(fdsMost - fdsBefore).toBeLessThanOrEqual(2 * limits.maxConnections);

    process.kill(victim, "SIGKILL");
    const replaced = await waitFor(() => [...childrenOf(s.pid)].some((p) => !before.has(p)), 30_000);
    expect({ replaced, exitCode: s.child.exitCode }).toEqual({ replaced: true, exitCode: null });
    expect(s.output()).not.toContain("EMFILE");
    expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");

    // They time out: the server closes every idle connection within its header timeout of accepting it, and
    // the last ones the kernel hands it come at the last SYN-ACK retransmit (seen in CI on a loaded machine).
    await waitFor(() => openNow() === 0, synAckWindowMs() + 2 * limits.headerTimeoutMs);
    expect({ runtime, open: openNow(), fdsOverBefore: fdCount(s.pid) - fdsBefore }).toEqual({
      runtime,
      open: 0,
      fdsOverBefore: expect.any(Number),
    });
    expect(fdCount(s.pid) - fdsBefore).toBeLessThanOrEqual(8);
  } finally {
    for (const f of flood) f.socket.destroy();
  }
  // The admin API answers again.
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/v1/pools`, auth)).status).toBe(200);
  expect(s.child.exitCode).toBe(null);
}

test(
  "issue 19 item 1: 1,100 idle admin connections under ulimit -n 1024 are capped and time out; a killed worker is still replaced (node, bun, deno)",
  async () => {
    await Promise.all(RUNTIMES.map(flooded));
  },
  // Start, flood, the kill and the longest wait for the last connections to close, with a margin.
  serviceTestMs() + 20_000 + 30_000 + synAckWindowMs() + 2 * adminConnectionLimits(FD_LIMIT).headerTimeoutMs,
);
