/**
 * The plugin's tests, through bento-kit's published entry points only
 * (`bento-kit`, `bento-kit/testing`), with node:test and node:assert so that
 * `bun test`, `node --import tsx --test` and `deno test -A` all run them.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { buildLaunchSpec, runPlugins, startService } from "bento-kit/testing";
import { devicesFromEnv, gpuPlugin } from "../mod.ts";

const manifest = (workers: number) => ({
  name: "llm",
  api: { command: ["api", "--fd", "{fd:api}"], workers: 1 },
  runners: { llm: { command: ["llm", "{fd:llm}"], workers }, tokenizer: { command: ["tok", "{fd:tokenizer}"] } },
});
const gpus = (plans: readonly { env: Readonly<Record<string, string>> }[]) =>
  plans.map((p) => p.env.CUDA_VISIBLE_DEVICES);

test("one GPU per worker by worker id; only the runners named get one", async () => {
  const run = await runPlugins(manifest(2), [gpuPlugin({ devices: ["0", "1"], runners: ["llm"] })]);
  assert.deepEqual(gpus(run.plans("runner:llm")), ["0", "1"]);
  assert.deepEqual(gpus(run.plans("runner:tokenizer")), [undefined]);
  assert.deepEqual(gpus(run.plans("api_server")), [undefined]);
  assert.ok(
    run.logs.includes(
      `info [acme:gpu] Environ for worker 2 (pid ${run.spawns[1]!.pid}): set CUDA_VISIBLE_DEVICES to 1`,
    ),
  );
  assert.ok((await run.stop()).isOk());
});

test("workersPerGpu 2 puts workers 1-2 on the first GPU and 3-4 on the second; 0.5 gives each worker two", async () => {
  const shared = await runPlugins(manifest(4), [
    gpuPlugin({ devices: ["0", "1"], workersPerGpu: 2, runners: ["llm"] }),
  ]);
  assert.deepEqual(gpus(shared.plans("runner:llm")), ["0", "0", "1", "1"]);
  await shared.stop();
  const wide = await runPlugins(manifest(2), [
    gpuPlugin({ devices: ["0", "1", "2", "3"], workersPerGpu: 0.5, runners: ["llm"] }),
  ]);
  assert.deepEqual(gpus(wide.plans("runner:llm")), ["0,1", "2,3"]);
  await wide.stop();
});

test("a worker beyond the devices is kept down and the rest serves; a respawn gets its GPU back", async () => {
  const run = await runPlugins(manifest(3), [gpuPlugin({ devices: ["0", "1"], runners: ["llm"] })]);
  assert.ok(run.started.isOk());
  const llm = () => run.pools().find((p) => p.name === "runner:llm")!;
  assert.deepEqual(llm().workers.map((w) => w.state), ["ready", "ready", "vetoed"]);
  assert.equal(
    llm().workers[2]!.vetoed?.message,
    "Plugin acme:gpu vetoed beforeSpawn: no GPU left for runner:llm worker 3 (2 devices, 1 workers per GPU)",
  );
  assert.ok(run.logs.some((l) => l.startsWith("warn [acme:gpu] runner:llm has 3 workers and 2 GPUs for 2 of them")));
  assert.ok(run.exit("runner:llm", 2));
  assert.ok(await run.until(() => run.plans("runner:llm").length === 3));
  assert.deepEqual(gpus(run.plans("runner:llm")), ["0", "1", "1"]);
  await run.stop();
});

test("whenShort: 'stop' stops the service at start; 'cpu' starts the extra worker with no GPU", async () => {
  const stopped = await runPlugins(manifest(3), [gpuPlugin({ devices: ["0"], whenShort: "stop", runners: ["llm"] })]);
  assert.equal(stopped.started.isErr() && stopped.started.error.kind, "HookVetoed");
  assert.equal(stopped.recorded.live.size, 0);
  const cpu = await runPlugins(manifest(2), [gpuPlugin({ devices: ["0"], whenShort: "cpu", runners: ["llm"] })]);
  assert.deepEqual(gpus(cpu.plans("runner:llm")), ["0", "-1"]);
  await cpu.stop();
});

test("bad options fail the launch spec with one line naming the option", async () => {
  const empty = await buildLaunchSpec(manifest(1), { plugins: [gpuPlugin({ devices: [] })] });
  assert.equal(
    empty.isErr() && empty.error.message,
    'Plugin acme:gpu vetoed launchSpec: devices: give at least one device, e.g. devices: ["0"] (or devicesFromEnv(process.env))',
  );
  const odd = await buildLaunchSpec(manifest(1), { plugins: [gpuPlugin({ devices: ["0"], workersPerGpu: 1.5 })] });
  assert.match(odd.isErr() ? odd.error.message : "", /workersPerGpu: expected a whole number/);
  assert.deepEqual(devicesFromEnv({ CUDA_VISIBLE_DEVICES: "0, 2" }), ["0", "2"]);
});

test("a real service: each runner worker sees its own CUDA_VISIBLE_DEVICES; stopped, nothing is left", async () => {
  const real = {
    name: "gpu_demo",
    api: { command: { module: "./_api.ts" } },
    runners: {
      llm: {
        command: ["sh", "-c", 'echo "gpu=$CUDA_VISIBLE_DEVICES ready"; exec sleep 300'],
        workers: 2,
        ready: { log: "ready" },
      },
    },
  };
  const dir = fileURLToPath(new URL(".", import.meta.url));
  const started = await startService({
    dir,
    manifest: real,
    plugins: [gpuPlugin({ devices: ["3", "5"] })],
    flags: { apiWorkers: "1" },
  });
  assert.ok(started.isOk(), started.isErr() ? started.error.message : "");
  const svc = started.value;
  try {
    assert.equal(await (await fetch(svc.url)).text(), "api 1");
    assert.deepEqual(svc.output.filter((l) => l.includes("gpu=")).sort(), [
      "[runner:llm:1] gpu=3 ready",
      "[runner:llm:2] gpu=5 ready",
    ]);
  } finally {
    assert.deepEqual(await svc.stop(), []);
  }
});
