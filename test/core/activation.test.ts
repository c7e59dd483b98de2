import { expect, test } from "bun:test";
import { listenFdsOf, matchActivated } from "../../src/core/activation.ts";
import type { SocketSpec } from "../../src/core/types.ts";

const tcp = (name: string): SocketSpec => ({ kind: "tcp", name, host: "127.0.0.1", port: 0, backlog: 16 });
const specs = [tcp("api"), { kind: "unix", name: "iris", path: "/tmp/x.sock", backlog: 16 } as const];
const grpcSpecs = [tcp("grpc"), tcp("metrics")];

test("the variables count only for the pid they name (sd_listen_fds)", () => {
  const env = { LISTEN_PID: "42", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:metrics" };
  expect(listenFdsOf(env, 42)._unsafeUnwrap()).toEqual([{ name: "api", fd: 3 }, { name: "metrics", fd: 4 }]);
  expect(listenFdsOf(env, 43)._unsafeUnwrap()).toEqual([]);
  expect(listenFdsOf({ LISTEN_PID: "42", LISTEN_FDS: "1" }, 42)._unsafeUnwrap()).toEqual([{ name: "unknown", fd: 3 }]);
  expect(listenFdsOf({ ...env, LISTEN_FDNAMES: "api" }, 42)._unsafeUnwrapErr().option).toBe("LISTEN_FDNAMES");
  expect(listenFdsOf({ ...env, LISTEN_PID: "x" }, 42)._unsafeUnwrapErr().option).toBe("LISTEN_PID");
});

test("by name, else unnamed fds in order to the public sockets left (api, grpc, metrics); never a runner's", () => {
  const one = [{ name: "unknown", fd: 3 }];
  expect([...matchActivated(one, specs)._unsafeUnwrap()]).toEqual([["api", { name: "unknown", fd: 3 }]]);
  const two = [{ name: "unknown", fd: 3 }, { name: "unknown", fd: 4 }];
  expect([...matchActivated(two, grpcSpecs)._unsafeUnwrap().keys()]).toEqual(["grpc", "metrics"]);
  const mixed = [{ name: "unknown", fd: 3 }, { name: "grpc", fd: 4 }];
  expect(matchActivated(mixed, grpcSpecs)._unsafeUnwrap().get("metrics")?.fd).toBe(3);
  expect(matchActivated(two, specs)._unsafeUnwrapErr().message).toContain("name each fd");
  expect(matchActivated([{ name: "web", fd: 3 }], specs)._unsafeUnwrapErr().message).toContain('"web"');
  expect(matchActivated([{ name: "api", fd: 3 }, { name: "api", fd: 4 }], specs).isErr()).toBe(true);
});
