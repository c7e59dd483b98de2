import { expect, test } from "bun:test";
import { buildHttpServerSpec, buildRunnerServerSpec, RUNNER_SERVER_DEFAULTS } from "../../src/core/component-specs.ts";
import { validateManifest } from "../../src/core/manifest.ts";
import { resolveServeOptions } from "../../src/core/serve-options.ts";
import { planServeSpec } from "../../src/core/serve-spec.ts";

const service = validateManifest({
  name: "svc",
  api: { command: ["api", "{fd}", "{runner_map}"], workers: 2 },
  runners: {
    iris: {
      command: ["runner", "{fd}", "{port}"],
      workers: 2,
      workerEnv: [{ CUDA_VISIBLE_DEVICES: "0" }, { CUDA_VISIBLE_DEVICES: "1" }],
    },
    llm: { command: ["llm", "{fd}", "{timeout}"] },
  },
  env: { A: "1" },
}, "f")._unsafeUnwrap();
const ctx = { runDir: "/tmp/bento-kit-abc", cpuCount: 4, environ: { HOME: "/h" } };
const runnerOptions = resolveServeOptions({}, {}, { ...RUNNER_SERVER_DEFAULTS, workingDir: "/svc" })._unsafeUnwrap();

test("start-runner-server: the runner's pool from the serve plan, on a held TCP socket named after it", () => {
  const spec = buildRunnerServerSpec(service, runnerOptions, { ...ctx, target: { runner: "iris" } })._unsafeUnwrap();
  const serve = planServeSpec(service, runnerOptions, ctx);
  expect(spec.command).toBe("start-runner-server");
  expect(spec.sockets).toEqual([{ kind: "tcp", name: "iris", host: "127.0.0.1", port: 0, backlog: 2048 }]);
  expect(spec.publicSocket).toBe("iris");
  // The very pool serve would run: same env, per-worker env, command, readiness.
  expect(spec.watchers).toEqual([serve.watchers.find((w) => w.name === "runner:iris")!]);
  // The API's and llm's placeholders are not checked: they do not run here ({timeout} unset is fine).
  expect(buildRunnerServerSpec(service, runnerOptions, { ...ctx, target: { runner: "llm" } })._unsafeUnwrapErr().kind)
    .toBe("OptionInvalid");
});

test("start-runner-server --workers overrides the manifest and keeps the per-worker env of the ids left", () => {
  const spec = buildRunnerServerSpec(service, runnerOptions, { ...ctx, target: { runner: "iris", workers: 1 } })
    ._unsafeUnwrap();
  expect(spec.watchers[0]).toMatchObject({ workers: 1, workerEnv: [{ CUDA_VISIBLE_DEVICES: "0" }] });
});

test("start-runner-server with an unknown runner lists the available ones", () => {
  const e = buildRunnerServerSpec(service, runnerOptions, { ...ctx, target: { runner: "nope" } })._unsafeUnwrapErr();
  expect(e).toMatchObject({ kind: "RunnerNotFound", runner: "nope", available: ["iris", "llm"] });
  expect(e.message).toBe('Runner "nope" is not in service "svc": the available runners are iris, llm');
});

test("start-http-server: the API pool alone, runner sockets and pools gone; a map that misses a runner is refused", () => {
  const options = resolveServeOptions({}, {}, { workingDir: "/svc" })._unsafeUnwrap();
  const runners = { iris: "tcp://a:1", llm: "tcp://b:2" };
  const spec = buildHttpServerSpec(service, options, { ...ctx, runners })._unsafeUnwrap();
  expect(spec.command).toBe("start-http-server");
  expect(spec.watchers.map((w) => w.name)).toEqual(["api_server"]);
  expect(spec.sockets.map((s) => s.name)).toEqual(["api"]);
  expect(spec.watchers[0]).toEqual(planServeSpec(service, options, ctx).watchers.find((w) => w.name === "api_server")!);
  const missing = buildHttpServerSpec(service, options, { ...ctx, runners: { iris: "tcp://a:1" } })._unsafeUnwrapErr();
  expect(missing).toMatchObject({ kind: "RunnerMapInvalid" });
  expect(missing.message).toContain("Service svc needs runner llm");
});
