import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { hasPrometheus, hasPrometheusClient, hasUvicorn, noteSkipped } from "../_helpers/python.ts";
import { cleanup, CLEANUP_MS, post, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { parseSamples, promtool, scrape, sum } from "./_metrics.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);
noteSkipped("the Python runner metrics test", [
  ...(hasUvicorn ? [] : ["python3-uvicorn"]),
  ...(hasPrometheusClient ? [] : ["python3-prometheus-client"]),
]);

test.skipIf(!hasUvicorn || !hasPrometheusClient)(
  "a Python runner's prometheus_client metric (multiprocess mode) is in /metrics per runner worker; a killed runner worker keeps its total, as prometheus_client does",
  async () => {
    const s = await serve("node", "examples/iris-python");
    await s.waitForOutput(/\[runner:iris:2\].*Application startup complete/);
    for (let i = 0; i < 6; i++) {
      expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8],[5.1,3.5,1.4,0.2]]")).status).toBe(200);
    }
    const first = await scrape(s.port);
    const samples = parseSamples(first.text);
    expect(sum(samples, "iris_runner_predictions_total", { pool: "runner:iris", class_name: "virginica" })).toBe(6);
    expect(sum(samples, "iris_runner_predictions_total", { class_name: "setosa" })).toBe(6);
    if (hasPrometheus) expect(promtool(first.text)).toEqual({ output: "", status: 0 });
    const perWorker = (id: string) => sum(samples, "iris_runner_predictions_total", { worker_id: id });
    const victim = perWorker("1") > 0 ? "1" : "2";
    const pid = s.output().match(
      new RegExp(`\\[runner:iris:${victim}\\] iris python runner worker ${victim} \\(pid (\\d+)\\)`),
    )![1]!;
    process.kill(Number(pid), "SIGKILL");
    await s.waitForOutput(
      new RegExp(`\\[runner:iris:${victim}\\] iris python runner worker ${victim} \\(pid (?!${pid}\\))\\d+\\)`),
      30_000,
    );
    expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).status).toBe(200);
    const after = parseSamples((await scrape(s.port)).text);
    expect(sum(after, "iris_runner_predictions_total", { worker_id: victim })).toBeGreaterThanOrEqual(
      perWorker(victim),
    );
    expect(sum(after, "iris_runner_predictions_total")).toBe(13);
  },
  60_000,
);
