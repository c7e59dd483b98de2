/**
 * Node >= 22.12 (libuv >= 1.49, UV_TCP_REUSEPORT): a Node supervisor holds the
 * port of a pool of Bun workers (which listen themselves with SO_REUSEPORT)
 * for the service's life. Skipped where the Node in PATH is older: there the
 * port is checked, not held (node-reservation.test.ts). `.ci/node-versions`
 * runs this file on each tested Node.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { cleanup, CLEANUP_MS, run, serve, type Served, serviceTestMs, sleep } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const uv = execFileSync("node", ["-p", "process.versions.uv"], { encoding: "utf8" }).trim();
const [major = 0, minor = 0] = uv.split(".").map(Number);
const holds = major > 1 || (major === 1 && minor >= 49);
const SERVICE = "test/_fixtures/runtimes-service";

/** python3: bind and listen on 127.0.0.1:port, with SO_REUSEADDR or without; "listening" or the errno. */
function plainBind(port: number, reuseAddr: boolean): string {
  const code = `
import socket
s = socket.socket()
${reuseAddr ? "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)" : ""}
try:
    s.bind(("127.0.0.1", ${port})); s.listen(8); print("listening")
except OSError as e:
    print(e.errno)`;

  return spawnSync("python3", ["-c", code], { encoding: "utf8", timeout: 20_000 }).stdout.trim();
}

/** The second service's exit code and output; killed (null) if it is still up after `ms`. */
async function second(args: string[], env: Record<string, string>, ms: number) {
  const t = run("node", ["serve", ...args, "--no-admin"], env);
  const code = await Promise.race([t.exited, sleep(ms).then(() => "running" as const)]);
  return { code, output: t.output() };
}

async function bunPool(): Promise<{ s: Served; startMs: number }> {
  const t0 = Date.now();
  const s = await serve("node", SERVICE, ["--no-admin"], { WORKER_RUNTIME: "bun" });
  return { s, startMs: Date.now() - t0 };
}

test.skipIf(!holds)(
  "Bun workers behind a Node supervisor: the port is held, a plain bind fails, a second service on it exits 1",
  async () => {
    const { s, startMs } = await bunPool();
    const answer = async () =>
      (await fetch(`http://127.0.0.1:${s.port}/id`, { headers: { connection: "close" } })).status;
    expect(await answer()).toBe(200);
    expect(s.output()).not.toContain("cannot bind with SO_REUSEPORT");
    // Without SO_REUSEPORT nothing joins the port: EADDRINUSE (98), with or without SO_REUSEADDR.
    expect(plainBind(s.port, false)).toBe("98");
    expect(plainBind(s.port, true)).toBe("98");

    // A second service on the port, Bun workers (SO_REUSEPORT, same user) or Node workers:
    // exit 1 naming the port, given as long as a start took (plus 10 s) to say so.
    const budget = startMs + 10_000;
    const port = ["--host", "127.0.0.1", "--port", String(s.port)];
    for (const [service, env] of [[SERVICE, { WORKER_RUNTIME: "bun" }], ["examples/iris", {}]] as const) {
      const other = await second([service, ...port], env, budget);
      expect({ service, code: other.code }).toEqual({ service, code: 1 });
      expect(other.output).toContain(`Port ${s.port} on 127.0.0.1 is already in use`);
    }
    expect(await answer()).toBe(200);
    expect(await s.stop()).toBe(0);
    // Released with the service (SO_REUSEADDR: the closed connections' TIME_WAIT stays on the port).
    expect(plainBind(s.port, true)).toBe("listening");
  },
  120_000,
);

test.skipIf(!holds)("the port stays held while every Bun worker of the pool is down", async () => {
  const { s } = await bunPool();
  // SIGSTOP keeps the supervisor from respawning; the workers are then killed.
  const workers = s.descendants();
  process.kill(s.pid, "SIGSTOP");
  try {
    for (const pid of workers) process.kill(pid, "SIGKILL");
    const listening = () => spawnSync("ss", ["-Hltn", `sport = :${s.port}`], { encoding: "utf8" }).stdout.trim();
    for (let i = 0; i < 200 && listening() !== ""; i++) await sleep(25);
    expect(listening()).toBe("");
    // Only the reservation is left (bound with SO_REUSEPORT, not listening): a plain bind still fails.
    expect(plainBind(s.port, false)).toBe("98");
    // The reservation is bound without SO_REUSEPORT and SO_REUSEADDR, then a perl child sets SO_REUSEPORT
    // (issue 19 item 2; perl-base is on every Debian): a SO_REUSEADDR server cannot bind beside it either.
    expect(plainBind(s.port, true)).toBe("98");
  } finally {
    process.kill(s.pid, "SIGCONT");
  }
}, 60_000);
