import { expect, test } from "bun:test";
import { err, ok } from "neverthrow";
import { createHookRunner, createSilentLogger, definePlugin, type LaunchSpec } from "../../mod.ts";

// The plugin from the README, as a third party would write it.
function portGuardPlugin() {
  return definePlugin({
    name: "acme:port-guard",
    beforeBind: (socket) =>
      socket.kind === "tcp" && socket.port < 1024 ? err("ports below 1024 need root") : ok(socket),
    onExit: (exit, ctx) => void ctx.logger.info(`${exit.pool}:${exit.workerId} ended`),
  });
}

test("the README's plugin vetoes a privileged port, naming itself", async () => {
  const spec: LaunchSpec = { command: "serve", service: "s", sockets: [], watchers: [], runDir: "/x", vars: {} };
  const hooks = createHookRunner([portGuardPlugin()], { logger: createSilentLogger(), spec, sockets: new Map() });
  const vetoed = await hooks.waterfall("beforeBind", {
    kind: "tcp",
    name: "api",
    host: "0.0.0.0",
    port: 80,
    backlog: 1,
  });
  expect(vetoed._unsafeUnwrapErr().message).toBe(
    "Plugin acme:port-guard vetoed beforeBind: ports below 1024 need root",
  );
  const passed = await hooks.waterfall("beforeBind", {
    kind: "tcp",
    name: "api",
    host: "0.0.0.0",
    port: 3000,
    backlog: 1,
  });
  expect(passed.isOk()).toBe(true);
});
