// The runner client runs on Node (as workers do): _retry-probe.ts drives it
// against a fake runner whose connections die on cue, and reports back.
import { beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { createRunnerClient } from "../../src/worker/mod.ts";
import { NODE_TS, ROOT } from "./_harness.ts";

type Outcome = {
  value?: unknown;
  error?: { kind: string; message: string; status?: number; body?: string; code?: string };
};
type Run = { outcomes: Outcome[]; requests: number };
type Scenario =
  | "staleConnection"
  | "staleConnectionTcp"
  | "staleIdempotent"
  | "staleMarkedIdempotent"
  | "alwaysDies"
  | "alwaysDiesIdempotent"
  | "diesMidResponse"
  | "httpError"
  | "notJson"
  | "neverAnswers"
  | "perCallTimeout"
  | "aborted"
  | "echo";
let results: Record<Scenario, Run> & { missingSocket: { kind: string; code: string; message: string } };

beforeAll(() => {
  const [node, ...args] = NODE_TS;
  const out = execFileSync(node!, [...args, join(ROOT, "test/worker/_retry-probe.ts")], { cwd: ROOT, timeout: 30_000 });
  results = JSON.parse(out.toString());
});

test("a POST whose kept-alive connection dies after sending it is not sent again: the runner may have run it", () => {
  for (const run of [results.staleConnection, results.staleConnectionTcp]) {
    expect(run.requests).toBe(2);
    expect(run.outcomes[1]?.error).toMatchObject({ kind: "RunnerUnavailable", code: "ECONNRESET" });
  }
});

test("an idempotent call (PUT, or marked idempotent) on a dead kept-alive connection is retried once on a fresh one", () => {
  for (const run of [results.staleIdempotent, results.staleMarkedIdempotent]) {
    expect(run.outcomes).toEqual([{ value: { ok: true } }, { value: { ok: true } }]);
    expect(run.requests).toBe(3);
  }
});

test("a POST is not resent when a fresh connection dies; an idempotent call once: then the runner is unavailable", () => {
  expect(results.alwaysDies.requests).toBe(1);
  expect(results.alwaysDies.outcomes[0]?.error).toMatchObject({ kind: "RunnerUnavailable", code: "ECONNRESET" });
  expect(results.alwaysDiesIdempotent.requests).toBe(2);
  expect(results.alwaysDiesIdempotent.outcomes[0]?.error).toMatchObject({
    kind: "RunnerUnavailable",
    code: "ECONNRESET",
  });
});

test("no retry once a response has started", () => {
  const run = results.diesMidResponse;
  expect(run.requests).toBe(2);
  expect(run.outcomes[1]?.error?.kind).toBe("RunnerUnavailable");
  expect(run.outcomes[1]?.error?.message).toMatch(/dropped the connection while answering/);
});

test("a non-2xx answer is a RunnerHttpError with its status and body", () => {
  expect(results.httpError.outcomes[0]?.error).toMatchObject({
    kind: "RunnerHttpError",
    status: 500,
    body: "model exploded",
    message: 'Runner "fake" answered 500 to POST /predict: model exploded',
  });
  expect(results.notJson.outcomes[0]?.error).toMatchObject({ kind: "RunnerBadResponse", body: "<html>" });
});

test("a runner that never answers times out (client and per-call timeout); a missing socket is unavailable", () => {
  expect(results.neverAnswers.outcomes[0]?.error).toMatchObject({ kind: "RunnerTimeout" });
  expect(results.neverAnswers.outcomes[0]?.error?.message).toMatch(/did not answer POST \/predict within 0.3s/);
  expect(results.perCallTimeout.outcomes[0]?.error?.message).toMatch(/did not answer POST \/slow within 0.1s/);
  expect(results.missingSocket).toMatchObject({ kind: "RunnerUnavailable", code: "ENOENT" });
});

test("an AbortSignal ends a call (aborted on the way, or before it started) with RunnerAborted", () => {
  expect(results.aborted.outcomes.map((o) => o.error?.kind)).toEqual(["RunnerAborted", "RunnerAborted"]);
  expect(results.aborted.outcomes[0]?.error?.message).toMatch(/: the call POST \/slow was aborted$/);
  expect(results.aborted.requests).toBe(1); // the second call never left
});

test("request(): any method, headers and a binary or text body, raw answer; call() with GET sends no body", () => {
  expect(results.echo.outcomes).toEqual([
    { value: { status: 200, same: true, method: "PUT", custom: "yes" } },
    { value: "héllo" },
    { value: null },
  ]);
});

test("an unknown runner name lists the runners there are", async () => {
  const client = createRunnerClient({ iris: "unix:///tmp/iris.sock", text: "tcp://127.0.0.1:3001" });
  expect(client.runners).toEqual(["iris", "text"]);
  await expect(client.call("irsi", "/predict", [])).rejects.toMatchObject({
    kind: "RunnerNotFound",
    message: 'No runner named "irsi" in the runner map; available: "iris", "text"',
  });
  client.close();
});

test("a bad address in a map given directly is rejected up front", () => {
  expect(() => createRunnerClient({ iris: "iris.sock" })).toThrow(
    'Runner "iris" has a bad address: "iris.sock" must start with unix:// or tcp://',
  );
});
