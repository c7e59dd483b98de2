/**
 * The port reservation for workers that bind with SO_REUSEPORT themselves,
 * through libc (the Bun and Deno supervisors; this test runs under Bun):
 * bound with SO_REUSEPORT and never listening, it keeps out a process that
 * binds without SO_REUSEPORT, lets the workers join and takes no connection.
 */
import { spawnSync } from "node:child_process";
import { expect, test } from "bun:test";
import { createBunRuntime } from "../../src/runtime/bun/mod.ts";

/**
 * python3: bind 127.0.0.1:port with SO_REUSEADDR as servers do (and SO_REUSEPORT
 * when asked), listen, then accept one connection made to itself; else the errno.
 */
function pythonBind(port: number, reusePort: boolean): string {
  const code = `
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
${reusePort ? "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)" : ""}
try:
    s.bind(("127.0.0.1", ${port}))
    s.listen(8)
except OSError as e:
    print(e.errno); raise SystemExit
c = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
s.settimeout(5)
s.accept()
print("accepted")`;
  return spawnSync("/usr/bin/python3", ["-c", code], { encoding: "utf8" }).stdout.trim();
}

test("a reserve socket holds the port against plain binds, lets SO_REUSEPORT listeners join and takes no connection", async () => {
  const runtime = createBunRuntime();
  const bound = await runtime.bind({
    kind: "tcp",
    name: "grpc",
    host: "127.0.0.1",
    port: 0,
    backlog: 16,
    reusePort: true,
    reserve: true,
  });
  const socket = bound._unsafeUnwrap();
  expect(socket.fd).toBeGreaterThanOrEqual(0);
  const port = socket.address.kind === "tcp" ? socket.address.port : 0;
  expect(port).toBeGreaterThan(0);
  try {
    expect(pythonBind(port, false)).toBe("98"); // EADDRINUSE (at bind, or at listen with SO_REUSEADDR): held
    // 5 connections each accepted by the worker's listener: never queued on the reservation.
    for (let i = 0; i < 5; i++) expect(pythonBind(port, true)).toBe("accepted");
  } finally {
    runtime.close(socket);
  }
  expect(pythonBind(port, false)).toBe("accepted"); // released on close
});

test("issue 19 item 2: a reservation refuses a port another service reserved, and binds past the last run's TIME_WAIT connections", async () => {
  const runtime = createBunRuntime();
  const spec = { kind: "tcp", name: "grpc", host: "127.0.0.1", port: 0, backlog: 16, reusePort: true, reserve: true };
  const first = (await runtime.bind(spec as never))._unsafeUnwrap();
  const port = first.address.kind === "tcp" ? first.address.port : 0;
  try {
    const second = await runtime.bind({ ...spec, port } as never);
    expect(second.isErr() && second.error.code).toBe("EADDRINUSE");
  } finally {
    runtime.close(first);
  }
  // The last run's worker (SO_REUSEADDR and SO_REUSEPORT, as Bun.serve and Deno.serve listen)
  // closed a connection first: it stays in TIME_WAIT on the port after the worker is gone.
  const code = `
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", ${port}))
s.listen(8)
c = socket.create_connection(("127.0.0.1", ${port}), timeout=5)
a, _ = s.accept()
a.close()
c.recv(1)
c.close()
s.close()`;
  expect(spawnSync("/usr/bin/python3", ["-c", code], { encoding: "utf8" }).status).toBe(0);
  expect(spawnSync("ss", ["-Htan", "state", "time-wait", `sport = :${port}`], { encoding: "utf8" }).stdout).toContain(
    `:${port}`,
  );
  const again = (await runtime.bind({ ...spec, port } as never))._unsafeUnwrap();
  runtime.close(again);
});
