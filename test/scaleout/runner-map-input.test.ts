import { expect, test } from "bun:test";
import { resolveRunnerMap } from "../../src/core/runner-map-input.ts";
import type { ServiceDef } from "../../src/core/manifest.ts";

const service = {
  name: "svc",
  runners: [{ name: "iris" }, { name: "llm" }],
} as unknown as ServiceDef;

const problems = (r: ReturnType<typeof resolveRunnerMap>) => (r.isErr() ? r.error.problems : []);

test("--depends entries, a value holding '=' kept whole, hostnames and unix paths accepted", () => {
  const r = resolveRunnerMap(
    { depends: ["iris=tcp://runner-1.internal:3001", "llm=unix:///run/a=b.sock"] },
    {},
    service,
  );
  expect(r._unsafeUnwrap()).toEqual({ iris: "tcp://runner-1.internal:3001", llm: "unix:///run/a=b.sock" });
});

test("--runner-map JSON, with --depends on top; flags beat the environment", () => {
  const env = {
    BENTO_SERVE_DEPENDS: "iris=tcp://env:1 llm=tcp://env:2",
    BENTO_RUNNER_MAP: '{"iris":"tcp://envmap:1"}',
  };
  const r = resolveRunnerMap({ runnerMap: '{"iris":"tcp://a:1","llm":"tcp://b:2"}' }, env, service);
  // A flag given: neither variable is read.
  expect(r._unsafeUnwrap()).toEqual({ iris: "tcp://a:1", llm: "tcp://b:2" });
  const both = resolveRunnerMap({ runnerMap: '{"llm":"tcp://b:2"}', depends: ["iris=tcp://a:1"] }, env, service);
  expect(both._unsafeUnwrap()).toEqual({ llm: "tcp://b:2", iris: "tcp://a:1" });
});

test("the environment alone: BENTO_SERVE_DEPENDS split on spaces, on top of BENTO_RUNNER_MAP", () => {
  const r = resolveRunnerMap({}, {
    BENTO_RUNNER_MAP: '{"extra":"tcp://m:9"}',
    BENTO_SERVE_DEPENDS: " iris=tcp://h:1\nllm=tcp://[::1]:2 ",
  }, service);
  expect(r._unsafeUnwrap()).toEqual({ extra: "tcp://m:9", iris: "tcp://h:1", llm: "tcp://[::1]:2" });
});

test("every problem at once, each naming the runner or the entry", () => {
  const r = resolveRunnerMap({ depends: ["iris=ftp://x", "llm=tcp://h:99999", "nameless", "=tcp://h:1"] }, {}, service);
  expect(problems(r)).toEqual([
    '--depends "nameless": expected NAME=URI, e.g. --depends iris=tcp://10.0.0.5:3001',
    '--depends "=tcp://h:1": expected NAME=URI, e.g. --depends iris=tcp://10.0.0.5:3001',
    expect.stringMatching(/^Runner iris \(--depends\): "ftp:\/\/x" must start with unix:\/\/ or tcp:\/\//),
    expect.stringMatching(
      /^Runner llm \(--depends\): "tcp:\/\/h:99999" must be tcp:\/\/host:port with a port in 1-65535/,
    ),
  ]);
  expect(r._unsafeUnwrapErr().message).toStartWith("The runner map has 4 problems:\n  --depends");
});

test("missing runners are named together, with the flags that add them", () => {
  const r = resolveRunnerMap({ depends: ["iris=tcp://h:1"] }, {}, service);
  expect(r._unsafeUnwrapErr().message).toBe(
    "Service svc needs runner llm, but the runner map names iris: pass --depends llm=tcp://HOST:PORT (or --runner-map JSON)",
  );
  expect(problems(resolveRunnerMap({}, {}, service))[0]).toStartWith(
    "Service svc needs runners iris, llm, but the runner map names none",
  );
});

test("one runner given two different addresses; a JSON map that is not an object of strings", () => {
  const r = resolveRunnerMap(
    { runnerMap: '{"iris":"tcp://a:1","llm":"tcp://b:2"}', depends: ["iris=tcp://c:3"] },
    {},
    service,
  );
  expect(problems(r)).toEqual([
    "Runner iris is given two addresses (tcp://a:1 from --runner-map, tcp://c:3 from --depends): give one",
  ]);
  expect(problems(resolveRunnerMap({ runnerMap: "[1]" }, {}, service))).toEqual([
    `--runner-map: expected a JSON object of runner name to address, e.g. '{"iris":"tcp://10.0.0.5:3001"}'`,
  ]);
});
