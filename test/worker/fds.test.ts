import { expect, test } from "bun:test";
import { getSocketFd, listenFds } from "../../src/worker/mod.ts";
import { thrown } from "../_helpers/thrown.ts";

const pid = 4242;

test("listenFds returns the named fds from 3 when LISTEN_PID is this process", () => {
  const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:iris" };
  expect(listenFds(env, pid)).toEqual([
    { name: "api", fd: 3 },
    { name: "iris", fd: 4 },
  ]);
});

test("listenFds names sockets 'unknown' when LISTEN_FDNAMES is unset", () => {
  expect(listenFds({ LISTEN_PID: "4242", LISTEN_FDS: "2" }, pid)).toEqual([
    { name: "unknown", fd: 3 },
    { name: "unknown", fd: 4 },
  ]);
});

test("listenFds ignores variables meant for another process, or absent", () => {
  expect(listenFds({ LISTEN_PID: "1", LISTEN_FDS: "1" }, pid)).toEqual([]);
  expect(listenFds({ LISTEN_FDS: "1" }, pid)).toEqual([]);
  expect(listenFds({ LISTEN_PID: "4242" }, pid)).toEqual([]);
  expect(listenFds({ LISTEN_PID: "4242", LISTEN_FDS: "0", LISTEN_FDNAMES: "" }, pid)).toEqual([]);
});

test("listenFds rejects malformed variables, naming them", () => {
  expect(() => listenFds({ LISTEN_PID: "abc", LISTEN_FDS: "1" }, pid)).toThrow(/LISTEN_PID must be a process id/);
  expect(() => listenFds({ LISTEN_PID: "4242", LISTEN_FDS: "-1" }, pid)).toThrow(/LISTEN_FDS must be/);
  expect(() => listenFds({ LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "api" }, pid)).toThrow(
    /LISTEN_FDNAMES has 1 name\(s\) \("api"\) but LISTEN_FDS is 2/,
  );
  expect(thrown(() => listenFds({ LISTEN_PID: "4242", LISTEN_FDS: "x" }, pid))).toMatchObject({
    kind: "WorkerEnvInvalid",
    variable: "LISTEN_FDS",
  });
});

test("getSocketFd finds a socket by name, or the only one", () => {
  const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:iris" };
  expect(getSocketFd("iris", env, pid)).toBe(4);
  expect(getSocketFd(undefined, { LISTEN_PID: "4242", LISTEN_FDS: "1" }, pid)).toBe(3);
});

test("getSocketFd names the available sockets when it cannot choose", () => {
  const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "api:iris" };
  expect(() => getSocketFd("grpc", env, pid)).toThrow(
    'No inherited socket is named "grpc"; available: "api" (fd 3), "iris" (fd 4)',
  );
  expect(() => getSocketFd(undefined, env, pid)).toThrow(/inherited 2 sockets .*"api" \(fd 3\).*pass the name/);
  expect(() => getSocketFd("api", {}, pid)).toThrow(/No listening socket was passed to this process \(pid 4242\)/);
});
