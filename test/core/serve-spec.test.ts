import { expect, test } from "bun:test";
import { buildServeSpec, resolveServeOptions, validateManifest } from "../../mod.ts";

const manifest = {
  name: "svc",
  env: { MODEL: "small", SHARED: "from-service" },
  api: { command: ["api", "--fd", "{fd}"], env: { BENTO_SERVICE: "hijack", POOL_ONLY: "api" } },
  runners: {
    m: {
      command: ["m"],
      workers: 2,
      env: { SHARED: "from-pool" },
      workerEnv: [{ GPU: "0", BENTO_POOL: "x" }, { GPU: "1" }],
    },
  },
};

function build(environ: Record<string, string> = {}) {
  const service = validateManifest(manifest, "f")._unsafeUnwrap();
  const options = resolveServeOptions({}, environ, { workingDir: "/srv" })._unsafeUnwrap();
  return buildServeSpec(service, options, { runDir: "/run/x", cpuCount: 3, environ })._unsafeUnwrap();
}

test("serve: the public socket, runner pools first, API workers default to the CPU count", () => {
  const spec = build();
  expect(spec.sockets).toEqual([{ kind: "tcp", name: "api", host: "0.0.0.0", port: 3000, backlog: 2048 }]);
  expect(spec.watchers.map((w) => [w.name, w.priority, w.workers, w.sockets])).toEqual([
    ["runner:m", 0, 2, ["m"]],
    ["api_server", 10, 3, ["api"]],
  ]);
  expect(spec.vars).toMatchObject({
    service: "svc",
    working_dir: "/srv",
    host: "0.0.0.0",
    port: "3000",
    backlog: "2048",
  });
});

test("env: service defaults < supervisor environment < pool env; BENTO_* cannot be overridden", () => {
  const spec = build({ MODEL: "large", LISTEN_FDS: "9", BENTO_RUNNER_MAP: "{}" });
  const [runner, api] = spec.watchers;
  expect(runner!.env).toMatchObject({
    MODEL: "large",
    SHARED: "from-pool",
    BENTO_POOL: "runner:m",
    BENTO_RUNNER_NAME: "m",
    BENTO_SERVICE: "svc",
  });
  expect(api!.env).toMatchObject({
    MODEL: "large",
    SHARED: "from-service",
    POOL_ONLY: "api",
    BENTO_SERVICE: "svc",
    BENTO_POOL: "api_server",
  });
  expect(api!.env.LISTEN_FDS).toBeUndefined();
  expect(api!.env.BENTO_RUNNER_MAP).toBeUndefined();
  expect(runner!.workerEnv).toEqual([{ GPU: "0", BENTO_POOL: "x" }, { GPU: "1" }]);
});
