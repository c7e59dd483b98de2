// The preflight names a worker runtime that is missing, and says how to get it.
import { expect, setDefaultTimeout, test } from "bun:test";
import { checkCommands } from "../../src/launch/_preflight.ts";
import type { LaunchSpec, WatcherSpec } from "../../src/core/types.ts";
import { ROOT, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const watcher = (command: WatcherSpec["command"]): WatcherSpec => ({
  name: "api_server",
  role: "api",
  command,
  workers: 1,
  env: {},
  workerEnv: [],
  cwd: `${ROOT}/examples/iris`,
  sockets: ["api"],
  respawn: true,
  gracefulTimeout: 1,
  priority: 10,
  keepStdin: false,
});
const spec = (w: WatcherSpec): LaunchSpec => ({
  command: "serve",
  service: "s",
  sockets: [],
  watchers: [w],
  runDir: "/tmp/x",
  vars: {},
});
const missing = { moduleArgv: (_m: string, l: { runtime: string }) => [`/nowhere/${l.runtime}`] };

test("a Deno supervisor's default runtime that is missing: one line naming Deno and how to install it", () => {
  const result = checkCommands(spec(watcher({ kind: "module", module: `${ROOT}/examples/iris/api.ts`, args: [] })), {
    name: "deno",
    ...missing,
  }, "/usr/bin");
  expect(result._unsafeUnwrapErr().message).toBe(
    'Pool api_server: its TypeScript workers run on Deno (bento-kit runs on Deno), and "/nowhere/deno" is not on PATH: ' +
      'install Deno (curl -fsSL https://deno.land/install.sh | sh, or npm install deno), or set runtime: "node" or "bun" in its command',
  );
});

test("a runtime the command names is checked, whatever runs the supervisor", () => {
  const command = { kind: "module", module: `${ROOT}/examples/iris/api.ts`, args: [], runtime: "bun" } as const;
  const result = checkCommands(spec(watcher(command)), { name: "node", ...missing }, "/usr/bin");
  expect(result._unsafeUnwrapErr().message).toContain(
    'run on Bun (its command says runtime: "bun"), and "/nowhere/bun" is not on PATH: install Bun',
  );
});

test("Bun or Deno workers where SO_REUSEPORT does not balance (macOS): refused, with the way out", () => {
  const command = { kind: "module", module: `${ROOT}/examples/iris/api.ts`, args: [] } as const;
  const result = checkCommands(spec(watcher(command)), { name: "bun", ...missing }, "/usr/bin", "darwin");
  expect(result._unsafeUnwrapErr().message).toBe(
    "Pool api_server: its TypeScript workers run on Bun, which shares a port between workers with SO_REUSEPORT, and darwin " +
      'does not balance connections that way: set runtime: "node" in its command (docs/worker-runtimes.md)',
  );
});
