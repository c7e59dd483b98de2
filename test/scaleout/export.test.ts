/**
 * `bento-kit export`: every Kubernetes document validates against the
 * Kubernetes schemas (kubernetes-models), the API Deployment's runner map
 * names each runner Service's cluster DNS name and port, and the Compose
 * file has the same topology.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { parse, parseAllDocuments } from "yaml";
import { cleanup, CLEANUP_MS, run, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

// deno-lint-ignore no-explicit-any -- parsed YAML whose schema validate() checks; the tests read deep paths of it
type Doc = { kind: string; metadata: { name: string; namespace: string }; spec: any };

async function exported(args: string[]) {
  const out = mkdtempSync(join(tmpdir(), "scaleout-export-"));
  const s = run("node", ["export", ...args, "--image", "registry.example.com/svc:1.0", "--out", out]);
  const code = await s.exited;
  const files = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]));
  rmSync(out, { recursive: true, force: true });
  return { code, files, output: s.output() };
}

function validate(doc: Doc): void {
  if (doc.kind === "Deployment") new Deployment(doc as never).validate();
  else if (doc.kind === "Service") new Service(doc as never).validate();
  else throw new Error(`unexpected kind ${doc.kind}`);
}

test(
  "export k8s examples/iris: valid Deployments and Services; the runner map points at the runner Service",
  async () => {
    const r = await exported(["k8s", "examples/iris", "--namespace", "ml"]);
    expect(r.code).toBe(0);
    expect(Object.keys(r.files).sort()).toEqual([
      "iris-classifier-api-server.yaml",
      "iris-classifier-runner-iris.yaml",
    ]);
    const docs = Object.values(r.files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as Doc));
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      "Deployment/iris-classifier-api-server",
      "Deployment/iris-classifier-runner-iris",
      "Service/iris-classifier-api-server",
      "Service/iris-classifier-runner-iris",
    ]);
    for (const doc of docs) {
      validate(doc);
      expect(doc.metadata.namespace).toBe("ml");
    }
    const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
    const runnerService = find("Service", "iris-classifier-runner-iris");
    const runnerPod = find("Deployment", "iris-classifier-runner-iris").spec.template.spec;
    const apiPod = find("Deployment", "iris-classifier-api-server").spec.template.spec;
    const env = Object.fromEntries(
      apiPod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const port = runnerService.spec.ports[0].port;
    expect(JSON.parse(env.BENTO_RUNNER_MAP)).toEqual({
      iris: `tcp://iris-classifier-runner-iris.ml.svc.cluster.local:${port}`,
    });
    // The Service selects the runner pods and reaches the port the runner server listens on.
    expect(runnerService.spec.selector).toEqual(
      find("Deployment", "iris-classifier-runner-iris").spec.template.metadata.labels,
    );
    const runner = runnerPod.containers[0];
    expect(runner.ports).toEqual([{ name: "http", containerPort: port, protocol: "TCP" }]);
    expect(runner.args).toEqual([
      "start-runner-server",
      ".",
      "--runner-name",
      "iris",
      "--host",
      "0.0.0.0",
      "--port",
      String(port),
    ]);
    expect(apiPod.containers[0].args).toEqual(["start-http-server", ".", "--host", "0.0.0.0", "--port", "3000"]);
    for (const pod of [runnerPod, apiPod]) {
      const c = pod.containers[0];
      expect(pod.terminationGracePeriodSeconds).toBe(35);
      expect(c.env).toContainEqual({ name: "BENTO_CONTAINERIZED", value: "1" });
      expect(c.startupProbe.httpGet).toEqual({ path: "/livez", port: "http" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
      expect(c.livenessProbe.httpGet).toEqual({ path: "/livez", port: "http" });
    }
    // Every pool runs a bento-kit/worker module: nothing to warn about.
    expect(r.output).not.toMatch(/warn/i);
  },
  30_000,
);

test(
  "resources, ports and grace period come from the manifest; names become DNS labels; argv pools warned",
  async () => {
    const r = await exported(["k8s", "test/_fixtures/resources-service"]);
    expect(r.code).toBe(0);
    // Its pools run argv commands: the probes' routes are the user's to serve, one warning per pool.
    const warnings = r.output.split("\n").filter((l) => l.includes("does not run a bento-kit/worker module"));
    expect(warnings.map((l) => l.match(/pool (\S+) does not/)?.[1]).sort()).toEqual([
      "api_server",
      "runner:embed_small",
      "runner:llm",
    ]);
    expect(warnings[0]).toContain("GET /livez and GET /readyz: serve them (docs/worker-contract.md)");
    const docs = Object.values(r.files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as Doc));
    docs.forEach(validate);
    const pod = (name: string) =>
      docs.find((d) => d.kind === "Deployment" && d.metadata.name === name)!.spec.template.spec;
    expect(pod("big-model-v2-runner-llm").containers[0].resources).toEqual({
      requests: { cpu: "4", memory: "16Gi" },
      limits: { "nvidia.com/gpu": "2" },
    });
    expect(pod("big-model-v2-runner-embed-small").containers[0].resources).toBeUndefined();
    expect(pod("big-model-v2-api-server").containers[0].resources).toEqual({
      requests: { cpu: "500m", memory: "256Mi" },
    });
    expect(pod("big-model-v2-api-server").containers[0].ports[0].containerPort).toBe(8080);
    expect(pod("big-model-v2-api-server").terminationGracePeriodSeconds).toBe(65);
    const env =
      pod("big-model-v2-api-server").containers[0].env.find((e: { name: string }) => e.name === "BENTO_RUNNER_MAP")
        .value;
    expect(JSON.parse(env)).toEqual({
      llm: "tcp://big-model-v2-runner-llm.default.svc.cluster.local:3001",
      embed_small: "tcp://big-model-v2-runner-embed-small.default.svc.cluster.local:3001",
    });
  },
  30_000,
);

test("export compose: the same topology, runners reached by service name, only the API published", async () => {
  const r = await exported(["k8s", "examples/iris", "--format", "compose"]);
  expect(r.code).toBe(0);
  const compose = parse(r.files["compose.yaml"]!);
  expect(Object.keys(compose.services)).toEqual(["iris-classifier-runner-iris", "iris-classifier-api-server"]);
  const api = compose.services["iris-classifier-api-server"];
  expect(JSON.parse(api.environment.BENTO_RUNNER_MAP)).toEqual({ iris: "tcp://iris-classifier-runner-iris:3001" });
  expect(api.ports).toEqual(["3000:3000"]);
  expect(api.depends_on).toEqual(["iris-classifier-runner-iris"]);
  expect(compose.services["iris-classifier-runner-iris"].ports).toBeUndefined();
  expect(compose.services["iris-classifier-runner-iris"].stop_grace_period).toBe("35s");
}, 30_000);

test(
  "export of a service without runners: the API server alone, with no --depends and an empty runner map",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "scaleout-export-api-only-"));
    writeFileSync(
      join(dir, "bento.config.json"),
      JSON.stringify({ name: "api_only", api: { command: ["node", "api.js", "{fd}"], workers: 2 } }),
    );
    try {
      const r = await exported(["compose", dir]);
      expect(r.code, r.output).toBe(0);
      const compose = parse(r.files["compose.yaml"]!);
      expect(Object.keys(compose.services)).toEqual(["api-only-api-server"]);
      const api = compose.services["api-only-api-server"];
      expect(api.command).not.toContain("--depends");
      expect(JSON.parse(api.environment.BENTO_RUNNER_MAP)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  30_000,
);

test("missing --image, a bad namespace and an unknown format: every problem, exit 2, nothing written", async () => {
  const s = run("node", ["export", "helm", "examples/iris", "--namespace", "Bad_NS"]);
  expect(await s.exited).toBe(2);
  const lines = s.output().trim().split("\n");
  expect(lines[0]).toBe('Error: FORMAT: expected k8s or compose, got "helm"');
  expect(lines[1]).toStartWith("--image: is required");
  expect(lines[2]).toStartWith('--namespace: "Bad_NS" is not a Kubernetes namespace name');
}, 30_000);

test(
  "issue 19 item 12: runners whose names export as one name (Iris_Big, iris-big) are refused with exit 2 naming both, nothing written",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "scaleout-clash-"));
    try {
      const pool = { command: ["sleep", "1000"] };
      writeFileSync(
        join(dir, "bento.config.json"),
        JSON.stringify({ name: "svc", api: pool, runners: { Iris_Big: pool, "iris-big": pool, other: pool } }),
      );
      for (const format of ["k8s", "compose"]) {
        const r = await exported(["k8s", dir, "--format", format]);
        expect(r.code).toBe(2);
        expect(r.files).toEqual({});
        expect(r.output.trim().split("\n")).toEqual([
          `Error: ${join(dir, "bento.config.json")} has 1 problem:`,
          '  runners.iris-big: runner "Iris_Big" and runner "iris-big" both export as "svc-runner-iris-big": ' +
          "rename one of them (names are lowercased, other characters than a-z, 0-9 and - become -, and cut at 63 characters)",
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  30_000,
);
