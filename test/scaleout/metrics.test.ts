/**
 * `/metrics` in the distributed mode, as BentoML's runner server and API
 * server serve it: `start-runner-server` answers on the runner's port with
 * its instance (supervisor + runner workers), `start-http-server` on the API
 * port with its own (supervisor + API workers), both promtool-clean.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, post, run, type Served, serviceTestMs } from "../_helpers/serve-process.ts";
import { hasPrometheus, noteSkipped } from "../_helpers/python.ts";
import { parseSamples, promtool, scrape, sum } from "../plugins/_metrics.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);
noteSkipped("promtool checks of the start-* commands' /metrics", hasPrometheus ? [] : ["prometheus"]);

const ROW = "[[5.9,3.0,5.1,1.8]]";
const STARTED = /running on http:\/\/\S+:(\d+) \(Press CTRL\+C to quit\)/;

async function started(s: Served, what: string): Promise<number> {
  const m = await s.waitForOutput(STARTED, 30_000);
  if (!m) throw new Error(`${what} did not start:\n${s.output()}`);
  return (s.port = Number(m[1]));
}

test(
  "start-runner-server and start-http-server --depends iris=tcp://… each answer GET /metrics on their port",
  async () => {
    const runner = run("node", [
      "start-runner-server",
      "examples/iris",
      "--runner-name",
      "iris",
      "--port",
      "0",
      "--workers",
      "2",
      "--no-admin",
    ]);
    const runnerPort = await started(runner, "start-runner-server");
    const api = run("node", [
      "start-http-server",
      "examples/iris",
      "--depends",
      `iris=tcp://127.0.0.1:${runnerPort}`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--api-workers",
      "2",
      "--no-admin",
    ]);
    const apiPort = await started(api, "start-http-server");
    for (let i = 0; i < 4; i++) expect(await post(apiPort, "/classify", ROW)).toMatchObject({ status: 200 });

    const fromApi = await scrape(apiPort);
    expect(fromApi.status).toBe(200);
    expect(fromApi.type).toContain("text/plain; version=0.0.4");
    if (hasPrometheus) expect(promtool(fromApi.text)).toEqual({ output: "", status: 0 });
    const apiSamples = parseSamples(fromApi.text);
    expect(sum(apiSamples, "bentoml_api_server_request_total", { pool: "api_server", endpoint: "/classify" })).toBe(4);
    expect(sum(apiSamples, "bento_supervisor_workers", { pool: "api_server", state: "ready" })).toBe(2);
    // The runner is remote: its workers are in the runner server's scrape, not here.
    expect(apiSamples.some((x) => x.labels.pool?.startsWith("runner:"))).toBe(false);

    const fromRunner = await scrape(runnerPort);
    expect(fromRunner.status).toBe(200);
    if (hasPrometheus) expect(promtool(fromRunner.text)).toEqual({ output: "", status: 0 });
    const runnerSamples = parseSamples(fromRunner.text);
    expect(
      sum(runnerSamples, "bentoml_runner_request_total", {
        pool: "runner:iris",
        runner_name: "iris",
        endpoint: "/predict",
        http_response_code: "200",
      }),
    ).toBe(4);
    const ids = new Set(
      runnerSamples.filter((x) => x.name === "bentoml_runner_request_in_progress").map((x) => x.labels.worker_id),
    );
    expect([...ids].every((id) => id === "1" || id === "2")).toBe(true);
    expect(sum(runnerSamples, "bento_supervisor_workers", { pool: "runner:iris", state: "ready" })).toBe(2);
    // The scrape itself is not counted, as on the API port.
    expect(sum(runnerSamples, "bentoml_runner_request_total", { endpoint: "/metrics" })).toBe(0);

    expect(await api.stop()).toBe(0);
    expect(await runner.stop()).toBe(0);
  },
  60_000,
);
