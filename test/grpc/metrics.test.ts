/**
 * The gRPC modes' metrics through the monitoring plugin: `prom_server` answers
 * with the instance scrape (the supervisor, every gRPC worker and runner
 * worker, each labelled with pool and worker_id), promtool-clean; it is a
 * singleton pool that neither the admin API nor `bento-kit scale` grows;
 * `--no-metrics` leaves out the metrics server, its port and every metrics socket.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, serviceTestMs } from "../_helpers/serve-process.ts";
import { envOf, parseSamples, sum } from "../plugins/_metrics.ts";
import { cleanupServices, runCli } from "../admin/_service.ts";
import { hasPromtool, probe, scrapeMetrics } from "./_client.ts";
import { grpcServe } from "./_grpc-serve.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const stateDirs: string[] = [];
afterEach(async () => {
  cleanupServices();
  await cleanup();
  for (const d of stateDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, CLEANUP_MS);

function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-grpc-metrics-"));
  stateDirs.push(dir);
  return dir;
}

/** The admin server of the service `pid` (its instance file in `stateDir`). */
function adminOf(stateDir: string, pid: number): (path: string, body?: unknown) => Promise<Response> {
  const { url, token } = JSON.parse(readFileSync(join(stateDir, `${pid}.json`), "utf8")) as {
    url: string;
    token: string;
  };
  return (path, body) =>
    fetch(`${url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

interface PoolJson {
  name: string;
  target: number;
  workers: { pid: number | null }[];
}

test(
  "serve --grpc: the metrics port gives every gRPC worker's series labelled with pool and worker_id; prom_server stays 1 worker",
  async () => {
    const stateDir = newStateDir();
    const s = await grpcServe("node", ["serve", "examples/iris-grpc", "--grpc"], { BENTO_STATE_DIR: stateDir });
    await probe(s.port, "check");
    for (const path of ["/", "/metrics"]) {
      const m = await scrapeMetrics(s.metricsPort, path);
      expect(m.status).toBe(200);
      if (hasPromtool) expect(m.promtool).toEqual({ code: 0, out: "" });
    }
    const samples = parseSamples((await scrapeMetrics(s.metricsPort)).text);
    const classify = { api_name: "/iris.v1.IrisClassifier/Classify" };
    // Every gRPC call series names its worker: one sample per worker that answered, 8 calls in all.
    const grpcSeries = samples.filter((x) => x.name === "bentoml_api_server_request_total");
    expect(grpcSeries.length).toBeGreaterThan(0);
    for (const x of grpcSeries) {
      expect(x.labels.pool).toBe("grpc_api_server");
      expect(["1", "2"]).toContain(x.labels.worker_id!);
    }
    expect(sum(samples, "bentoml_api_server_request_total", { ...classify, grpc_code: "OK" })).toBe(8);
    expect(sum(samples, "bentoml_api_server_request_total", { ...classify, grpc_code: "INVALID_ARGUMENT" })).toBe(1);
    // The runners' calls (made by the gRPC workers) and the supervisor's view of every pool.
    expect(sum(samples, "bentoml_runner_request_total", { pool: "runner:iris", endpoint: "/predict" })).toBe(8);
    expect(sum(samples, "bento_supervisor_workers", { pool: "prom_server", state: "ready" })).toBe(1);
    expect(sum(samples, "bento_supervisor_workers", { pool: "grpc_api_server", state: "ready" })).toBe(2);
    expect(samples.some((x) => x.name.startsWith("bento_metrics_server_") && x.labels.pool === "prom_server")).toBe(
      true,
    );

    // prom_server is a singleton: the admin API refuses a second worker (409) and changes nothing.
    const admin = adminOf(stateDir, s.pid);
    const before = (await (await admin("/v1/pools/prom_server")).json()) as PoolJson;
    expect(before.workers).toHaveLength(1);
    const refused = await admin("/v1/pools/prom_server/scale", { workers: 2 });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: {
        kind: "PoolIsSingleton",
        message: "Pool prom_server is a singleton: it runs exactly 1 worker and cannot be scaled to 2",
      },
    });
    const cli = await runCli(["scale", "prom_server", "2"], { BENTO_STATE_DIR: stateDir });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("Pool prom_server is a singleton: it runs exactly 1 worker and cannot be scaled to 2");
    const after = (await (await admin("/v1/pools/prom_server")).json()) as PoolJson;
    expect(after.target).toBe(1);
    expect(after.workers.map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid));
    expect((await admin("/v1/pools/prom_server/scale", { workers: 1 })).status).toBe(200);
    expect(await s.stop("SIGTERM")).toBe(0);
  },
  90_000,
);

test("serve --grpc --no-metrics: no metrics server, no metrics port, no metrics dir in any worker", async () => {
  const stateDir = newStateDir();
  const s = await grpcServe("node", ["serve", "examples/iris-grpc", "--grpc", "--no-metrics"], {
    BENTO_STATE_DIR: stateDir,
  });
  expect(s.output()).not.toContain("Prometheus metrics for");
  expect(s.output()).not.toContain("[prom_server");
  const { pools } = (await (await adminOf(stateDir, s.pid)("/v1/pools")).json()) as { pools: PoolJson[] };
  expect(pools.map((p) => p.name)).toEqual(["runner:iris", "grpc_api_server"]);
  expect(await fetch(`http://127.0.0.1:${s.metricsPort}/`).then((r) => r.status, () => "refused")).toBe("refused");
  const pids = s.descendants().filter((pid) => {
    try {
      return envOf(pid, "BENTO_POOL") !== undefined;
    } catch {
      return false;
    }
  });
  expect(pids.length).toBe(4);
  for (const pid of pids) {
    expect(envOf(pid, "BENTO_METRICS_DIR")).toBeUndefined();
    expect(envOf(pid, "PROMETHEUS_MULTIPROC_DIR")).toBeUndefined();
  }
  expect(await s.stop("SIGTERM")).toBe(0);
}, 60_000);
