// The iris example's routes, through app.request() (no network), and its body check.
import { expect, test } from "bun:test";
import { createApiApp } from "../../examples/iris/_api-app.ts";
import { trainIrisModel } from "../../examples/iris/_model.ts";
import { createRunnerApp } from "../../examples/iris/_runner-app.ts";
import { MAX_ROWS, parseRows } from "../../examples/iris/_validate.ts";
import type { RunnerClient, RunnerError } from "../../src/worker/mod.ts";

const model = trainIrisModel();
const post = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/json" } });

test("the model is a kNN (k=5) over the 150 iris samples, classes in order of appearance", () => {
  expect(model).toMatchObject({ k: 5, samples: 150, classes: ["setosa", "versicolor", "virginica"] });
  expect(model.predict([[5.9, 3.0, 5.1, 1.8], [5.1, 3.5, 1.4, 0.2], [6.0, 2.9, 4.5, 1.5]])).toEqual([2, 0, 1]);
});

test("parseRows accepts rows of 4 finite numbers", () => {
  expect(parseRows("[[5.9,3.0,5.1,1.8],[1,2,3,4]]")).toEqual({ ok: true, rows: [[5.9, 3, 5.1, 1.8], [1, 2, 3, 4]] });
});

test.each([
  ["not json", /^Body is not valid JSON \(.+\); expected a JSON array of rows of 4 numbers/],
  ['{"rows":[]}', /^Body must be a JSON array of rows, got an object; expected/],
  ["[]", /^Body is an empty array: send at least one row; expected/],
  ["[5.9,3.0,5.1,1.8]", /^Row 0 must be an array of 4 numbers, got 5.9; expected/],
  ["[[1,2,3]]", /^Row 0 has 3 values, not 4; expected/],
  ['[[1,2,3,4],[1,2,"3",4]]', /^Row 1, value 2 \(petal length\) must be a finite number, got the string "3"/],
  ["[[1,2,3,1e999]]", /^Row 0, value 3 \(petal width\) must be a finite number, got Infinity/],
  ["[[1,2,3,null]]", /got null/],
  [JSON.stringify(Array.from({ length: MAX_ROWS + 1 }, () => [1, 2, 3, 4])), /at most 10000 are accepted/],
])("parseRows rejects %p", (body, message) => {
  const result = parseRows(body);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error).toMatch(message);
});

test("runner app: POST /predict answers class indices, 400 with a message for a bad body", async () => {
  const app = createRunnerApp(model);
  const good = await app.request("/predict", post("[[5.9,3.0,5.1,1.8]]"));
  expect(good.status).toBe(200);
  expect(await good.json()).toEqual([2]);
  const bad = await app.request("/predict", post("[[5.9,3.0]]"));
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ error: expect.stringMatching(/^Row 0 has 2 values, not 4; expected/) });
});

function fakeRunners(answer: (rows: unknown) => unknown): Pick<RunnerClient, "call"> {
  return { call: (_runner, _path, body) => Promise.resolve(answer(body)) };
}

function failure(kind: RunnerError["kind"]): RunnerError {
  return Object.assign(new Error(`Runner "iris" failed (${kind})`), { kind, runner: "iris" });
}

test("api app: forwards valid rows to the iris runner and names its pid", async () => {
  const seen: unknown[] = [];
  const app = createApiApp(fakeRunners((rows) => (seen.push(rows), [2])), 777);
  const res = await app.request("/classify", post("[[5.9,3.0,5.1,1.8]]"));
  expect(res.status).toBe(200);
  expect(res.headers.get("x-bento-worker-pid")).toBe("777");
  expect(await res.json()).toEqual([2]);
  expect(seen).toEqual([[[5.9, 3.0, 5.1, 1.8]]]);
  const bad = await app.request("/classify", post("{}"));
  expect(bad.status).toBe(400);
  expect(seen).toHaveLength(1);
});

test.each(
  [
    ["RunnerUnavailable", 503],
    ["RunnerTimeout", 504],
    ["RunnerHttpError", 502],
    ["RunnerBadResponse", 502],
  ] as const,
)("api app: a runner failure %s answers %d with a JSON message", async (kind, status) => {
  const app = createApiApp(fakeRunners(() => Promise.reject(failure(kind))));
  const res = await app.request("/classify", post("[[5.9,3.0,5.1,1.8]]"));
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error: `Cannot classify: Runner "iris" failed (${kind})` });
});
