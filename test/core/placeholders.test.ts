import { expect, test } from "bun:test";
import { commandIssues, expandArg, unsetPlaceholders } from "../../src/core/command.ts";
import { envIssues, execSizeProblem, MAX_ENV_STRING } from "../../src/core/env-rules.ts";
import { describeFailure } from "../../src/core/_failure.ts";
import type { WatcherSpec } from "../../mod.ts";

const expansion = {
  vars: { host: "127.0.0.1", port: "3000" },
  fds: new Map([["api", 3], ["iris", 4]]),
  ownSocket: "api",
};

test("{{ and }} are literal braces; only placeholders are replaced", () => {
  expect(expandArg("const {{host}}=o;listen({{fd:{fd}}})", expansion)).toEqual({
    text: "const {host}=o;listen({fd:3})",
    missing: [],
  });
  expect(expandArg("{{{host}}}:{port}", expansion).text).toBe("{127.0.0.1}:3000");
  expect(expandArg('{"a": 1}', expansion).text).toBe('{"a": 1}');
  expect(expandArg("--t={timeout}", expansion)).toEqual({ text: "--t={timeout}", missing: ["{timeout}"] });
});

test("an argument that mixes placeholders with bare braces, as code does, is refused with the escape named", () => {
  const messages = (arg: string) => commandIssues(["node", "-e", arg], ["api"]).map((i) => i.message);
  expect(messages("const o={host:1};const {host}=o")).toEqual([
    "{host:1} is not a placeholder (only {fd:NAME} takes a name): write {{ and }} for literal braces, e.g. {{host:1}}",
  ]);
  expect(messages("if (x) { f({port}) }")).toEqual([
    "mixes the placeholder {port} with literal braces, as inline code does: write the code's braces as {{ and }} (and {{port}} where it is code, not the placeholder)",
  ]);
  expect(messages("listen({fd:3})")[0]).toContain(
    "{fd:3} names no socket of this pool: use {fd} or {fd:api}, or write {{ and }} for literal braces",
  );
  expect(messages("if (x) {{ f({port}) }}")).toEqual([]);
  expect(messages("exec uvicorn --fd {fd} app")).toEqual([]);
});

test("placeholders with no value: {timeout} without the option; fd, worker_id and runner_map come at spawn", () => {
  expect(
    unsetPlaceholders({
      kind: "argv",
      argv: ["x", "{timeout}", "{fd}", "{worker_id}", "{runner_map}", "{{timeout_keep_alive}}"],
    }, {}),
  ).toEqual(["timeout"]);
  expect(unsetPlaceholders({ kind: "module", module: "/a.ts", args: ["{timeout}"] }, { timeout: "5" })).toEqual([]);
});

test("env: empty names, '=' or NUL in names, NUL in values and oversized variables are named", () => {
  expect(
    envIssues({ OK: "1", "": "x", "A=B": "y", N: "a\0b", BIG: "x".repeat(MAX_ENV_STRING) }, "env").map((i) => i.path),
  ).toEqual([
    'env[""]',
    'env["A=B"]',
    "env.N",
    "env.BIG",
  ]);
  expect(execSizeProblem(["x"], { A: "1" })).toBeUndefined();
  expect(
    execSizeProblem(["x"], Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`V${i}`, "é".repeat(60_000)]))),
  )
    .toMatch(
      /^its argv and environment are \d+ bytes, over the 2097152-byte exec limit \(ARG_MAX\); the largest variables: V\d+ \(120\d+ bytes\)/,
    );
});

test("the give-up report shows the argv as run, without the LISTEN_PID shim", () => {
  const spec = { command: { kind: "argv", argv: ["node", "-e", "{host}"] } } as unknown as WatcherSpec;
  const argv = [
    "/bin/sh",
    "-c",
    'LISTEN_PID=$$; export LISTEN_PID; exec "$@"',
    "bento-kit-worker",
    "node",
    "-e",
    "it's {x}",
    "--port=3000",
  ];
  expect(describeFailure(spec, [], argv)).toBe(
    "\n  command: node -e it's {x} --port=3000\n  (it wrote nothing to stderr)",
  );
  expect(describeFailure(spec, ["boom"])).toBe("\n  command: node -e {host}\n  last stderr lines:\n    boom");
});
