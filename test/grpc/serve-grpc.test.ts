/**
 * `serve --grpc` and `start-grpc-server` on examples/iris-grpc, asked by a real
 * @grpc/grpc-js client: Classify → class 2, Health/Check → SERVING, the
 * service list through reflection when enabled (UNIMPLEMENTED when not), and
 * the metrics server's text on its own port accepted by promtool.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { alive, cleanup, CLEANUP_MS, serviceTestMs } from "../_helpers/serve-process.ts";
import { parseSamples, sum } from "../plugins/_metrics.ts";
import { hasPromtool, probe, scrapeMetrics } from "./_client.ts";
import { grpcServe, irisRunnerServer } from "./_grpc-serve.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "iris.v1.IrisClassifier",
];

async function checkService(port: number, metricsPort: number, reflection: boolean): Promise<void> {
  const r = await probe<Record<string, unknown>>(port, "check");
  expect(r).toEqual({
    labels: [2, 0, 2, 0, 2, 0, 2, 0],
    bad: 3, // INVALID_ARGUMENT
    health: ["SERVING", "SERVING"],
    services: reflection ? SERVICES : 12, // UNIMPLEMENTED without --enable-reflection
    irisFileHasService: reflection,
  });
  for (const path of ["/", "/metrics"]) {
    const m = await scrapeMetrics(metricsPort, path);
    expect(m.status).toBe(200);
    if (hasPromtool) expect(m.promtool).toEqual({ code: 0, out: "" });
    expect(m.text).toContain("# TYPE bento_metrics_server_process_cpu_user_seconds_total counter");
  }
}

test("serve --grpc: Classify, health, reflection and the metrics server, runners started here", async () => {
  const s = await grpcServe("node", [
    "serve",
    "examples/iris-grpc",
    "--grpc",
    "--enable-reflection",
    "--max-concurrent-streams",
    "64",
  ]);
  expect(s.output()).toMatch(
    /Starting production gRPC BentoServer from "iris_classifier_grpc" listening on http:\/\/127\.0\.0\.1:\d+/,
  );
  expect(s.output()).toContain(
    `Prometheus metrics for gRPC BentoServer from "iris_classifier_grpc" can be accessed at http://127.0.0.1:${s.metricsPort}.`,
  );
  expect(await s.waitForOutput(/\[grpc_api_server:2\] iris grpc worker 2 .* reflection true, channelz false/))
    .toBeTruthy();
  await checkService(s.port, s.metricsPort, true);
  // The workers' calls, one series per worker (pool and worker_id labels), 8 in all.
  const samples = parseSamples((await scrapeMetrics(s.metricsPort)).text);
  expect(
    sum(samples, "bentoml_api_server_request_total", {
      pool: "grpc_api_server",
      api_name: "/iris.v1.IrisClassifier/Classify",
      grpc_code: "OK",
    }),
  ).toBe(8);
  const workers = s.descendants();
  expect(await s.stop("SIGTERM")).toBe(0);
  expect(workers.filter(alive)).toEqual([]);
}, 90_000);

test(
  "start-grpc-server: the gRPC pool alone with a remote iris runner; reflection off answers UNIMPLEMENTED",
  async () => {
    const runner = await irisRunnerServer("examples/iris-grpc");
    const s = await grpcServe("node", [
      "start-grpc-server",
      "examples/iris-grpc",
      "--depends",
      `iris=${runner.address}`,
      "--api-workers",
      "1",
    ]);
    expect(s.output()).toContain(`Using remote runners: {"iris":"${runner.address}"}`);
    expect(s.output()).toMatch(/Starting bare gRPC BentoServer from "iris_classifier_grpc" running on/);
    expect(s.output()).not.toContain("[runner:iris");
    await checkService(s.port, s.metricsPort, false);
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await runner.served.stop("SIGTERM")).toBe(0);
  },
  90_000,
);

test("start-grpc-server refuses a runner map that misses a runner, naming it (exit 2)", async () => {
  const { run } = await import("../_helpers/serve-process.ts");
  const s = run("node", ["start-grpc-server", "examples/iris-grpc"]);
  expect(await s.exited).toBe(2);
  expect(s.output()).toContain("iris");
}, 30_000);
