import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMultiprocessDir } from "../../src/worker/_metrics-mmap.ts";
import { mergeExpositions } from "../../src/worker/_metrics-text.ts";
import { hasPrometheusClient, noteSkipped } from "../_helpers/python.ts";

noteSkipped("the prometheus_client file format test", hasPrometheusClient ? [] : ["python3-prometheus-client"]);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("merging expositions: one HELP and TYPE per family, every sample labelled with its source", () => {
  const a =
    '# HELP x_total X\n# TYPE x_total counter\nx_total{e="/a"} 1\n# HELP h H\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n';
  const b = "# HELP x_total X\n# TYPE x_total counter\nx_total{} 3\n";
  const merged = mergeExpositions([{ text: a, labels: { pool: "api_server", worker_id: "1" } }, {
    text: b,
    labels: { pool: 'p"q', worker_id: "2" },
  }, { text: "up 1\n" }]);
  expect(merged).toBe([
    "# HELP x_total X",
    "# TYPE x_total counter",
    'x_total{pool="api_server",worker_id="1",e="/a"} 1',
    'x_total{pool="p\\"q",worker_id="2"} 3',
    "# HELP h H",
    "# TYPE h histogram",
    'h_bucket{pool="api_server",worker_id="1",le="+Inf"} 2',
    'h_sum{pool="api_server",worker_id="1"} 0.5',
    'h_count{pool="api_server",worker_id="1"} 2',
    "up 1",
    "",
  ].join("\n"));
});

/** `name{sorted labels}` → value, from an exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? "").split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(",");
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

const WRITE = `
import sys
from prometheus_client import Counter, Gauge, Histogram, Summary
c = Counter("jobs", "Jobs done", ["kind"])
h = Histogram("latency_seconds", "Latency", ["route"], buckets=(0.1, 1, 5))
g = Gauge("inflight", "In flight", multiprocess_mode="livesum")
a = Gauge("temp", "Temperature", multiprocess_mode="all")
m = Gauge("peak", "Peak", multiprocess_mode="max")
s = Summary("size_bytes", "Sizes")
n = int(sys.argv[1])
for i in range(n):
    c.labels(kind="a" if i % 2 else "b").inc()
    h.labels(route="/x").observe(i * 0.3)
    s.observe(i * 10)
g.inc(n); a.set(n * 1.5); m.set(n)
`;
import { serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());
const COLLECT = `
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
r = CollectorRegistry(); MultiProcessCollector(r); print(generate_latest(r).decode())
`;

test.skipIf(!hasPrometheusClient)(
  "prometheus_client's multiprocess files read as its own MultiProcessCollector reads them (two processes)",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "bento-kit-test-prom-"));
    dirs.push(dir);
    const env = { ...process.env, PROMETHEUS_MULTIPROC_DIR: dir };
    execFileSync("/usr/bin/python3", ["-c", WRITE, "5"], { env });
    execFileSync("/usr/bin/python3", ["-c", WRITE, "8"], { env });
    const theirs = execFileSync("/usr/bin/python3", ["-c", COLLECT], { env, encoding: "utf8" });
    const ours = readMultiprocessDir(dir);
    expect(samples(ours)).toEqual(samples(theirs));
    expect(samples(ours).get('jobs_total{kind="b"}')).toBe(7);
    expect(ours).toContain("# TYPE jobs_total counter");
  },
);
