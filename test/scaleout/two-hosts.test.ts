/**
 * Two terminals on one machine, as two hosts would: `start-runner-server` for
 * the iris runner on TCP, `start-http-server` reaching it by hostname through
 * `--depends`. The API answers; while the runner server is down its runner
 * calls fail (503), and once a new runner server holds the same port they
 * succeed again, with no restart of the API server. The health routes follow:
 * the API's /readyz answers 503 while its runner is down, /livez stays 200.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, post, run, type Served, serviceTestMs, sleep } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const ROW = "[[5.9,3.0,5.1,1.8]]";
const STARTED = /running on http:\/\/\S+:(\d+) \(Press CTRL\+C to quit\)/;

async function started(s: Served, what: string): Promise<number> {
  const m = await s.waitForOutput(STARTED, 30_000);
  if (!m) throw new Error(`${what} did not start:\n${s.output()}`);
  return (s.port = Number(m[1]));
}

function runnerServer(port: number): Served {
  return run("node", [
    "start-runner-server",
    "examples/iris",
    "--runner-name",
    "iris",
    "--port",
    String(port),
    "--no-admin",
  ]);
}

async function health(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: "close" } });
  return { status: res.status, body: await res.text() };
}

/** Poll /readyz until it answers `status` (the check is cached about a second), or `ms` pass. */
async function readyz(port: number, status: number, ms: number) {
  const end = Date.now() + ms;
  let last = await health(port, "/readyz");
  while (last.status !== status && Date.now() < end) {
    await sleep(100);
    last = await health(port, "/readyz");
  }
  return last;
}

/** Poll until `ok` holds for an answer, or the deadline passes; resolves to the last answer. */
async function until(port: number, ok: (status: number) => boolean, ms: number) {
  const end = Date.now() + ms;
  let last = { status: 0, body: "" };
  while (Date.now() < end) {
    last = await post(port, "/classify", ROW).catch(() => ({ status: 0, body: "", pid: null }));
    if (ok(last.status)) return last;
    await sleep(100);
  }
  return last;
}

test(
  "runner server + HTTP server on loopback TCP answer [2]; the API recovers when the runner server comes back",
  async () => {
    const runner = runnerServer(0);
    const runnerPort = await started(runner, "start-runner-server");
    expect(runner.output()).toMatch(
      /Starting RunnerServer from "iris_classifier" running on http:\/\/127\.0\.0\.1:\d+ \(Press CTRL\+C to quit\)/,
    );

    const api = run("node", [
      "start-http-server",
      "examples/iris",
      "--depends",
      `iris=tcp://localhost:${runnerPort}`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-admin",
    ]);
    const apiPort = await started(api, "start-http-server");
    expect(api.output()).toMatch(
      /Starting bare HTTP BentoServer from "iris_classifier" running on http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(api.output()).toContain(`Using remote runners: {"iris":"tcp://localhost:${runnerPort}"}`);
    // Only API workers run here: the runner is remote.
    expect(api.output()).not.toContain("[runner:iris");
    expect(await post(apiPort, "/classify", ROW)).toMatchObject({ status: 200, body: "[2]" });
    for (const path of ["/livez", "/readyz", "/healthz"]) {
      expect([path, await health(runnerPort, path)]).toEqual([path, { status: 200, body: "ok\n" }]);
      expect([path, await health(apiPort, path)]).toEqual([path, { status: 200, body: "ok\n" }]);
    }

    expect(await runner.stop()).toBe(0);
    expect(await runner.leftovers()).toEqual([]);
    const down = await until(apiPort, (s) => s === 503, 10_000);
    expect(down.status).toBe(503);
    const notReady = await readyz(apiPort, 503, 10_000);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toContain(`runner "iris" does not answer: Runner "iris" at tcp://localhost:${runnerPort}`);
    expect(await health(apiPort, "/livez")).toEqual({ status: 200, body: "ok\n" });

    const again = runnerServer(runnerPort);
    expect(await started(again, "the second start-runner-server")).toBe(runnerPort);
    const back = await until(apiPort, (s) => s === 200, 15_000);
    expect(back).toMatchObject({ status: 200, body: "[2]" });
    expect(await readyz(apiPort, 200, 10_000)).toEqual({ status: 200, body: "ok\n" });
    // The API server never restarted.
    expect(api.child.exitCode).toBeNull();
    expect(api.output().match(/Starting bare HTTP/g)?.length).toBe(1);
  },
  90_000,
);

test("start-runner-server --workers overrides the manifest; --host 0.0.0.0 is reachable on loopback", async () => {
  const runner = run("node", [
    "start-runner-server",
    "examples/iris",
    "--runner-name",
    "iris",
    "--workers",
    "1",
    "--host",
    "0.0.0.0",
    "--no-admin",
  ]);
  const port = await started(runner, "start-runner-server");
  expect(runner.output()).not.toContain("[runner:iris:2]");
  const res = await fetch(`http://127.0.0.1:${port}/predict`, { method: "POST", body: ROW });
  expect(await res.text()).toBe("[2]");
}, 60_000);
