/**
 * bento:runner-map through bento-kit/testing, as a third party would test
 * it: the sockets it adds to the launch spec, and the runner map the API
 * workers' plans get (env and `{runner_map}`); runners get none.
 */
import { expect, test } from "bun:test";
import { buildLaunchSpec, runPlugins } from "bento-kit/testing";

const manifest = {
  name: "two_runners",
  api: { command: ["api", "--fd", "{fd:api}", "--map", "{runner_map}"], workers: 2 },
  runners: { iris: { command: ["r", "{fd:iris}"], workers: 2 }, text: { command: ["t", "{fd:text}"] } },
};

test("each runner gets a Unix socket in the run dir; with Unix sockets off, a loopback TCP port", async () => {
  const spec = (await buildLaunchSpec(manifest, { runDir: "/tmp/bento-kit-abc" }))._unsafeUnwrap();
  expect(spec.sockets.filter((s) => s.name !== "api")).toEqual([
    { kind: "unix", name: "iris", path: "/tmp/bento-kit-abc/iris.sock", backlog: 2048 },
    { kind: "unix", name: "text", path: "/tmp/bento-kit-abc/text.sock", backlog: 2048 },
  ]);
  const tcp = (await buildLaunchSpec(manifest, { flags: { unixSockets: false, backlog: "64" } }))._unsafeUnwrap();
  expect(tcp.sockets.filter((s) => s.name !== "api")).toEqual([
    { kind: "tcp", name: "iris", host: "127.0.0.1", port: 0, backlog: 64 },
    { kind: "tcp", name: "text", host: "127.0.0.1", port: 0, backlog: 64 },
  ]);
});

test("a run dir too deep for a Unix socket path is a SocketPathTooLong naming the path", async () => {
  const deep = `/tmp/${"d".repeat(110)}`;
  const spec = await buildLaunchSpec(manifest, { runDir: deep });
  expect(spec._unsafeUnwrapErr()).toMatchObject({ kind: "SocketPathTooLong", path: `${deep}/iris.sock` });
});

test("API workers get the runner map of the sockets really bound, as BENTO_RUNNER_MAP and {runner_map}; runners get none", async () => {
  const run = await runPlugins(manifest, [], { flags: { unixSockets: false } });
  const map = JSON.stringify({ iris: "tcp://127.0.0.1:40002", text: "tcp://127.0.0.1:40003" });
  for (const plan of run.plans("api_server")) {
    expect(plan.env.BENTO_RUNNER_MAP).toBe(map);
    expect(plan.vars.runner_map).toBe(map);
  }
  expect(run.spawns.filter((s) => s.pool === "api_server").map((s) => s.argv.at(-1))).toEqual([map, map]);
  expect(run.plans().filter((p) => p.role === "runner").map((p) => p.env.BENTO_RUNNER_MAP)).toEqual([
    undefined,
    undefined,
    undefined,
  ]);
  await run.stop();
});
