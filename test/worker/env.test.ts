import { expect, test } from "bun:test";
import { getRunnerMap, getWorkerId, workerOptions } from "../../src/worker/mod.ts";
import { thrown } from "../_helpers/thrown.ts";

test("getWorkerId reads BENTO_WORKER_ID, 1 for a worker started by hand", () => {
  expect(getWorkerId({ BENTO_WORKER_ID: "3" })).toBe(3);
  expect(getWorkerId({})).toBe(1);
  expect(() => getWorkerId({ BENTO_WORKER_ID: "0" })).toThrow('BENTO_WORKER_ID must be a whole number from 1, got "0"');
});

test("getRunnerMap parses unix and tcp addresses", () => {
  const map = { iris: "unix:///tmp/bento/iris.sock", text: "tcp://127.0.0.1:3001", v6: "tcp://[::1]:3002" };
  expect(getRunnerMap({ BENTO_RUNNER_MAP: JSON.stringify(map) })).toEqual(map);
  expect(getRunnerMap({})).toEqual({});
});

test("getRunnerMap explains what is wrong with BENTO_RUNNER_MAP", () => {
  const bad = (value: string) => () => getRunnerMap({ BENTO_RUNNER_MAP: value });
  expect(bad("{iris:")).toThrow(/^BENTO_RUNNER_MAP is not valid JSON \(.*\); expected an object of runner addresses/);
  expect(bad('["unix:///a.sock"]')).toThrow("BENTO_RUNNER_MAP must be a JSON object of runner addresses, got an array");
  expect(bad("null")).toThrow(/got null/);
  expect(bad('{"iris": 3001}')).toThrow(
    'BENTO_RUNNER_MAP is invalid: runner "iris" has a number, not an address string',
  );
  expect(bad('{"iris": "http://x:1"}')).toThrow(/runner "iris": "http:\/\/x:1" must start with unix:\/\/ or tcp:\/\//);
  expect(bad('{"a": "tcp://h:99999", "b": "unix://rel.sock"}')).toThrow(
    /"a".*port in 1-65535.*"b".*absolute socket path/,
  );
  expect(thrown(bad("1"))).toMatchObject({ kind: "WorkerEnvInvalid", variable: "BENTO_RUNNER_MAP" });
});

test("workerOptions has defaults and reads the BENTO_* options", () => {
  expect(workerOptions({})).toEqual({ timeout: 60, keepAliveTimeout: 5, gracefulShutdownTimeout: 30, backlog: 2048 });
  const env = {
    BENTO_TIMEOUT: "120",
    BENTO_TIMEOUT_KEEP_ALIVE: "2.5",
    BENTO_TIMEOUT_GRACEFUL_SHUTDOWN: "0",
    BENTO_BACKLOG: "128",
  };
  expect(workerOptions(env)).toEqual({ timeout: 120, keepAliveTimeout: 2.5, gracefulShutdownTimeout: 0, backlog: 128 });
});

test("workerOptions names the malformed variable", () => {
  expect(() => workerOptions({ BENTO_TIMEOUT: "soon" })).toThrow(
    'BENTO_TIMEOUT must be a number of seconds (0 or more), got "soon"',
  );
  expect(() => workerOptions({ BENTO_TIMEOUT_KEEP_ALIVE: "-1" })).toThrow(/BENTO_TIMEOUT_KEEP_ALIVE/);
  expect(() => workerOptions({ BENTO_BACKLOG: "1.5" })).toThrow(/BENTO_BACKLOG must be a whole number/);
});
