import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { definePlugin } from "bento-kit";
import { runPlugins } from "bento-kit/testing";
import { monitoringPlugin } from "../../plugins/monitoring.ts";
import { hasPrometheus, noteSkipped } from "../_helpers/python.ts";
import { cleanup, CLEANUP_MS, post, RUNTIMES, serve, type Served, serviceTestMs } from "../_helpers/serve-process.ts";
import { envOf, parseSamples, promtool, scrape, sum } from "./_metrics.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);
noteSkipped("promtool checks of /metrics", hasPrometheus ? [] : ["prometheus"]);

const BODY = "[[5.9,3.0,5.1,1.8]]";

/** pid → BENTO_POOL of every worker (a process with BENTO_POOL in its environment) below the supervisor. */
function workers(s: Served): Map<number, string> {
  const out = new Map<number, string>();
  for (const pid of s.descendants()) {
    try {
      const pool = envOf(pid, "BENTO_POOL");
      if (pool !== undefined) out.set(pid, `${pool}.${envOf(pid, "BENTO_WORKER_ID")}`);
    } catch { /* gone */ }
  }
  return out;
}

for (const runtime of RUNTIMES) {
  test(
    `${runtime}: one GET /metrics on the API port gives the supervisor's metrics and every worker's, labelled, promtool-clean`,
    async () => {
      const s = await serve(runtime, "examples/iris");
      expect(s.output()).toContain(
        `Prometheus metrics for HTTP BentoServer from "iris_classifier" can be accessed at http://127.0.0.1:${s.port}/metrics.`,
      );
      for (let i = 0; i < 6; i++) expect((await post(s.port, "/classify", BODY)).status).toBe(200);
      expect((await post(s.port, "/classify", "[[1,2]]")).status).toBe(400);
      const { status, type, text } = await scrape(s.port);
      expect(status).toBe(200);
      expect(type).toContain("text/plain; version=0.0.4");
      const samples = parseSamples(text);
      // BentoML's request metrics, per API worker; the runner's per runner worker.
      expect(sum(samples, "bentoml_api_server_request_total", { endpoint: "/classify", http_response_code: "200" }))
        .toBe(6);
      expect(sum(samples, "bentoml_api_server_request_total", { endpoint: "/classify", http_response_code: "400" }))
        .toBe(1);
      expect(sum(samples, "bentoml_api_server_request_duration_seconds_count", { endpoint: "/classify" })).toBe(7);
      expect(
        sum(samples, "bentoml_runner_request_total", {
          pool: "runner:iris",
          runner_name: "iris",
          endpoint: "/predict",
        }),
      ).toBe(6);
      const apiIds = new Set(
        samples.filter((x) => x.name === "bentoml_api_server_request_in_progress").map((x) =>
          `${x.labels.pool}:${x.labels.worker_id}`
        ),
      );
      expect([...apiIds].every((id) => /^api_server:[12]$/.test(id))).toBe(true);
      // The supervisor's own: workers per pool and state, its process metrics (no pool/worker_id labels).
      expect(sum(samples, "bento_supervisor_workers", { pool: "api_server", state: "ready" })).toBe(2);
      expect(sum(samples, "bento_supervisor_workers", { pool: "runner:iris", state: "ready" })).toBe(2);
      expect(samples.find((x) => x.name === "process_cpu_seconds_total")?.labels).toEqual({});
      // /metrics itself is not counted, as in BentoML.
      expect(sum(samples, "bentoml_api_server_request_total", { endpoint: "/metrics" })).toBe(0);
      if (hasPrometheus) expect(promtool(text)).toEqual({ output: "", status: 0 });
    },
    60_000,
  );
}

test(
  "a worker's restart is counted by reason; a third-party plugin's monitoring:collect metrics and a worker's own metric are in the scrape",
  async () => {
    const s = await serve("node", "test/_fixtures/metrics-plugin-service");
    await fetch(`http://127.0.0.1:${s.port}/?who=ann`).then((r) => r.text());
    const [pid] = [...workers(s).keys()];
    process.kill(pid!, "SIGKILL");
    await s.waitForOutput(/worker 1 \(pid \d+\) killed by SIGKILL/);
    let text = "";
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !/fixture_hellos_total\{[^}]*who="bob"/.test(text)) {
      await fetch(`http://127.0.0.1:${s.port}/?who=bob`).then((r) => r.text(), () => "");
      text = await scrape(s.port).then((r) => r.text, () => "");
    }
    const samples = parseSamples(text);
    expect(sum(samples, "fixture_hellos_total", { pool: "api_server", worker_id: "1", who: "bob" }))
      .toBeGreaterThanOrEqual(1);
    // The replacement's counters start from zero: the killed worker's "ann" is gone with it.
    expect(sum(samples, "fixture_hellos_total", { who: "ann" })).toBe(0);
    expect(sum(samples, "acme_queue_depth", { service: "metrics_plugin" })).toBe(7);
    expect(sum(samples, "acme_scrapes_total")).toBeGreaterThanOrEqual(1);
    expect(sum(samples, "bento_supervisor_worker_exits_total", { pool: "api_server", reason: "SIGKILL" })).toBe(1);
    expect(sum(samples, "bento_supervisor_worker_restarts_total", { pool: "api_server", reason: "SIGKILL" })).toBe(1);
    if (hasPrometheus) expect(promtool(text)).toEqual({ output: "", status: 0 });
  },
  60_000,
);

/** GET / on a Unix socket. */
function getUnix(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: "/" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d)).on("end", () => resolve(body));
    }).on("error", reject).end();
  });
}

test("through bento-kit/testing: each worker slot gets its own multiprocess dir; the supervisor's socket serves worker states and monitoring:collect families", async () => {
  const runDir = mkdtempSync(join(tmpdir(), "bento-kit-monitoring-"));
  try {
    const queue = definePlugin({
      name: "acme:queue",
      "monitoring:collect":
        () => [{ name: "acme_queue_depth", type: "gauge" as const, help: "Jobs waiting", samples: [{ value: 7 }] }],
    });
    const manifest = {
      name: "mon",
      api: { command: ["api", "{fd:api}"], workers: 2 },
      runners: { m: { command: ["r"] } },
    };
    const run = await runPlugins(manifest, [monitoringPlugin(), queue], { runDir });
    const dir = join(runDir, "metrics");
    expect(run.plans().map((p) => [p.env.BENTO_METRICS_DIR, p.env.PROMETHEUS_MULTIPROC_DIR])).toEqual([
      [dir, join(dir, "runner:m.1")],
      [dir, join(dir, "api_server.1")],
      [dir, join(dir, "api_server.2")],
    ]);
    expect(readdirSync(dir).sort()).toEqual(["api_server.1", "api_server.2", "runner:m.1", "supervisor.sock"]);
    const samples = parseSamples(await getUnix(join(dir, "supervisor.sock")));
    expect(sum(samples, "bento_supervisor_workers", { pool: "api_server", state: "ready" })).toBe(2);
    expect(sum(samples, "acme_queue_depth")).toBe(7);
    await run.stop();
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test("--no-metrics: no metrics dir, no PROMETHEUS_MULTIPROC_DIR, /metrics goes to the app like any path", async () => {
  const s = await serve("node", "examples/iris", ["--no-metrics"]);
  expect(s.output()).not.toContain("Prometheus metrics for");
  expect((await scrape(s.port)).status).toBe(404);
  for (const pid of workers(s).keys()) {
    expect(envOf(pid, "PROMETHEUS_MULTIPROC_DIR")).toBeUndefined();
    expect(envOf(pid, "BENTO_METRICS_DIR")).toBeUndefined();
  }
}, 60_000);

test(
  "two services at once keep separate metrics dirs; stopping one removes its dir and leaves the other's files",
  async () => {
    const [a, b] = await Promise.all([serve("node", "examples/iris"), serve("node", "examples/iris")]);
    for (const s of [a!, b!]) expect((await post(s.port, "/classify", BODY)).status).toBe(200);
    const dirOf = (s: Served) => {
      const dirs = new Set([...workers(s).keys()].map((pid) => envOf(pid, "BENTO_METRICS_DIR")));
      expect(dirs.size).toBe(1);
      return [...dirs][0]!;
    };
    const dirA = dirOf(a!);
    const dirB = dirOf(b!);
    expect(dirA).not.toBe(dirB);
    // Each worker's PROMETHEUS_MULTIPROC_DIR is its own slot inside its instance's dir.
    for (const [pid, slot] of workers(a!)) expect(envOf(pid, "PROMETHEUS_MULTIPROC_DIR")).toBe(`${dirA}/${slot}`);
    const list = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    const filesB = list(dirB);
    expect(filesB).toEqual(
      expect.arrayContaining(["supervisor.sock", "api_server.1/metrics.sock", "runner:iris.2/metrics.sock"]),
    );
    expect(await a!.stop()).toBe(0);
    expect(existsSync(dirA)).toBe(false);
    expect(existsSync(dirname(dirA))).toBe(false);
    expect(list(dirB)).toEqual(filesB);
    const after = parseSamples((await scrape(b!.port)).text);
    expect(sum(after, "bentoml_api_server_request_total", { endpoint: "/classify" })).toBe(1);
    expect(await b!.stop()).toBe(0);
    expect(existsSync(dirB)).toBe(false);
  },
  60_000,
);
