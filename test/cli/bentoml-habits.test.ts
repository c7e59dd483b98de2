/**
 * Issue 21 items 5 and 6: a BentoML user's habits work (`BENTOML_*`
 * variables, `--production`, `serve-http`/`serve-grpc`, `--remote-runner`,
 * `http://` and `file://` runner addresses), and `--help` fits the terminal
 * and needs no Deno permission.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  cleanup,
  CLEANUP_MS,
  post,
  ROOT,
  run,
  type Served,
  serviceTestMs,
  supervisorArgv,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

/** Workers ready within this (at most two supervisors per test). */
const START_MS = 60_000;
const ROW = "[[5.9,3.0,5.1,1.8]]";
const BIN = join(ROOT, "node_modules", ".bin");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function listening(s: Served, what: string): Promise<number> {
  const m = await s.waitForOutput(/(?:listening|running) on https?:\/\/[^ ]+:(\d+) \(Press CTRL\+C/, START_MS);
  if (!m) throw new Error(`${what} did not start:\n${s.output()}`);
  return Number(m[1]);
}

test("BENTOML_PORT chooses the port when BENTO_PORT is not set; serve --production starts", async () => {
  const port = await freePort();
  const s = run("node", ["serve", "examples/iris", "--production", "--api-workers", "1", "--no-admin"], {
    BENTOML_PORT: String(port),
    BENTOML_HOST: "127.0.0.1",
  });
  expect(await listening(s, "serve")).toBe(port);
  expect((await post(port, "/classify", ROW)).body).toBe("[2]");
}, START_MS + 20_000);

test("BENTO_PORT wins over BENTOML_PORT; --production with --development is refused", async () => {
  const refused = run("node", ["serve", "examples/iris", "--production", "--development"]);
  expect(await refused.exited).toBe(2);
  expect(refused.output()).toContain("--production: and --development are opposites: give one");
  const [ours, theirs] = [await freePort(), await freePort()];
  const s = run("node", ["serve-http", "examples/iris", "--host", "127.0.0.1", "--api-workers", "1", "--no-admin"], {
    BENTO_PORT: String(ours),
    BENTOML_PORT: String(theirs),
  });
  expect(await listening(s, "serve-http")).toBe(ours);
}, START_MS + 20_000);

for (const [flag, scheme] of [["--remote-runner", "tcp"], ["--depends", "http"]] as const) {
  test(`start-http-server ${flag} iris=${scheme}://... answers [2]`, async () => {
    const runner = run("node", ["start-runner-server", "examples/iris", "--runner-name", "iris", "--no-admin"]);
    const runnerPort = await listening(runner, "start-runner-server");
    const api = run("node", [
      "start-http-server",
      "examples/iris",
      flag,
      `iris=${scheme}://127.0.0.1:${runnerPort}`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--api-workers",
      "1",
      "--no-admin",
    ]);
    const port = await listening(api, "start-http-server");
    expect(api.output()).toContain(`Using remote runners: {"iris":"tcp://127.0.0.1:${runnerPort}"}`);
    expect((await post(port, "/classify", ROW)).body).toBe("[2]");
  }, START_MS * 2 + 20_000);
}

test("serve-grpc is serve --grpc", async () => {
  const s = run("node", [
    "serve-grpc",
    "examples/iris-grpc",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics-port",
    "0",
    "--api-workers",
    "1",
    "--no-admin",
  ]);
  expect(await s.waitForOutput(/Starting production gRPC BentoServer/, START_MS)).toBeTruthy();
}, START_MS + 20_000);

const COMMANDS = [
  "serve",
  "serve-http",
  "serve-grpc",
  "start-runner-server",
  "start-http-server",
  "start-grpc-server",
  "status",
  "scale",
  "restart",
  "stop",
  "events",
  "export",
];

/** The node CLI the other tests start (compiled when dist/ is up to date). */
const NODE_CLI = supervisorArgv("node");

test("COLUMNS=80: every command's --help fits in 80 columns, grouped by what it configures", () => {
  for (const args of [["--help"], ...COMMANDS.map((c) => [c, "--help"])]) {
    const r = spawnSync(NODE_CLI[0]!, [...NODE_CLI.slice(1), ...args], {
      encoding: "utf8",
      env: { ...process.env, COLUMNS: "80" },
    });
    expect(r.status).toBe(0);
    const long = r.stdout.split("\n").filter((l) => l.length > 80);
    expect({ args, long }).toEqual({ args, long: [] });
  }
  const serve = spawnSync(NODE_CLI[0]!, [...NODE_CLI.slice(1), "serve", "--help"], { encoding: "utf8" });
  for (const title of ["Server:", "TLS:", "gRPC:", "Admin server:", "Logs:", "Development:"]) {
    expect(serve.stdout).toContain(`\n${title}\n`);
  }
}, 60_000);

test("Deno: --help and --version need no permission", () => {
  for (const args of [["--help"], ["--version"], ["serve", "--help"], ["start-grpc-server", "--help"]]) {
    const r = spawnSync(join(BIN, "deno"), ["run", join(ROOT, "mod.ts"), ...args], { encoding: "utf8" });
    expect({ args, status: r.status, err: r.stderr }).toEqual({ args, status: 0, err: "" });
    expect(r.stdout.length).toBeGreaterThan(0);
  }
}, 60_000);
