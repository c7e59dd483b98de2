import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { createServer } from "node:net";
import { cleanup, CLEANUP_MS, run, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

/** Run to completion; the error is one line, never a stack trace. */
async function fails(args: string[], env: Record<string, string> = {}) {
  const s = run("node", args, env);
  const code = await s.exited;
  const lines = s.output().trim().split("\n");
  expect(s.output()).not.toMatch(/^\s+at /m);
  return { code, lines, output: s.output(), left: await s.leftovers() };
}

test("a manifest with several mistakes reports all of them, each with its path; exit 2", async () => {
  const r = await fails(["serve", "test/_fixtures/bad-service"]);
  expect(r.code).toBe(2);
  expect(r.lines[0]).toMatch(/^Error: .*bento\.config\.json has 6 problems:$/);
  for (
    const path of [
      "name:",
      "api.command:",
      "api.workers:",
      "runners.iris.command[1]: unknown placeholder {nope}",
      "runners.iris.workers:",
      "serve.port:",
    ]
  ) {
    expect(r.output).toContain(`  ${path}`);
  }
});

test("port already in use: one line naming the port, exit 1, nothing left running", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await fails(["serve", "examples/iris", "--host", "127.0.0.1", "--port", String(port)]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([expect.stringMatching(new RegExp(`^Error: .*${port}.*already in use`))]);
    expect(r.left).toEqual([]);
  } finally {
    blocker.close();
  }
});

test("unknown host: one line, exit 2", async () => {
  const r = await fails(["serve", "examples/iris", "--host", "no-such-host.invalid", "--port", "0"]);
  expect(r.code).toBe(2);
  expect(r.lines).toEqual([expect.stringMatching(/^Error: Cannot resolve host "no-such-host.invalid"/)]);
});

test("a hostname is accepted, not only IP literals", async () => {
  const s = await serve("node", "test/_fixtures/sd-service", ["--host", "localhost"]);
  const res = await fetch(`http://127.0.0.1:${s.port}/`);
  expect(res.status).toBe(200);
});

test("missing service dir: one line, exit 2", async () => {
  const r = await fails(["serve", "no/such/dir"]);
  expect(r.code).toBe(2);
  expect(r.lines).toEqual([
    "Error: Service directory no/such/dir does not exist: pass the directory that holds bento.config.ts",
  ]);
});

test("command not found: one line naming pool and program, exit 2, nothing bound or started", async () => {
  const r = await fails(["serve", "test/_fixtures/missing-cmd-service", "--port", "0"]);
  expect(r.code).toBe(2);
  expect(r.lines).toEqual([
    expect.stringMatching(
      /^Error: Pool api_server: command not found: "no-such-program-xyz" is not an executable file on PATH/,
    ),
  ]);
  expect(r.left).toEqual([]);
});

test("bad flags: unknown option and bad number exit 2 with one line", async () => {
  const unknown = await fails(["serve", "examples/iris", "--prot", "3000"]);
  expect(unknown.code).toBe(2);
  expect(unknown.lines).toEqual(['Error: Unknown option --prot: run "bento-kit serve --help" to see the options']);
  const bad = await fails(["serve", "examples/iris", "--port", "http"]);
  expect(bad.code).toBe(2);
  expect(bad.lines).toEqual(['Error: --port: expected a whole number from 0 to 65535, got "http"']);
  const empty = await fails(["serve", "examples/iris", "--port"]);
  expect(empty.lines).toEqual(["Error: --port: needs a value, e.g. --port 3000"]);
  const extra = await fails(["serve", "examples/iris", "more"]);
  expect(extra.code).toBe(2);
  expect(extra.lines).toEqual(['Error: Unexpected argument "more": run "bento-kit serve --help" to see the usage']);
  const env = await fails(["serve", "examples/iris"], { BENTO_API_WORKERS: "many" });
  expect(env.lines).toEqual(['Error: BENTO_API_WORKERS: expected a whole number from 1 to 1024, got "many"']);
}, serviceTestMs(5)); // five CLI starts in a row

test("--help explains every flag; --version prints the version", async () => {
  const help = run("node", ["serve", "--help"]);
  expect(await help.exited).toBe(0);
  for (
    const flag of [
      "--host",
      "--port",
      "--api-workers",
      "--backlog",
      "--timeout",
      "--working-dir",
      "--timeout-keep-alive",
      "--timeout-graceful-shutdown",
      "BENTO_PORT",
      "BENTO_HOST",
      "BENTO_API_WORKERS",
    ]
  ) {
    expect(help.output()).toContain(flag);
  }
  expect(help.output()).not.toContain("\u001b[");
  const version = run("node", ["--version"]);
  expect(await version.exited).toBe(0);
  expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test("a Unix socket path over the AF_UNIX limit: one line saying what to do, nothing left", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const deep = mkdtempSync(`/tmp/${"d".repeat(90)}-`);
  try {
    const r = await fails(["serve", "examples/iris", "--port", "0"], { TMPDIR: deep });
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      expect.stringMatching(
        /^Error: Unix socket path .*iris\.sock is \d+ bytes, over the 107-byte AF_UNIX limit: set TMPDIR to a shorter directory, or use --no-unix-sockets/,
      ),
    ]);
    expect(r.left).toEqual([]);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(deep).filter((f) => f.startsWith("bento-kit-"))).toEqual([]);
  } finally {
    rmSync(deep, { recursive: true, force: true });
  }
});

test("a manifest that does not parse: one line-numbered problem, exit 2", async () => {
  const r = await fails(["serve", "test/_fixtures/syntax-error-service"]);
  expect(r.code).toBe(2);
  expect(r.output).toMatch(/\(file\): cannot be loaded: .*bento\.config\.ts:2:\d+: ERROR: /);
});

test("more bad input: a runner named api, a missing working dir, a value for a switch, too many workers", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/bento-kit-test-");
  try {
    writeFileSync(
      `${dir}/bento.config.json`,
      JSON.stringify({ name: "s", api: { command: ["node"] }, runners: { api: { command: ["node"] } } }),
    );
    const api = await fails(["serve", dir]);
    expect(api.code).toBe(2);
    expect(api.output).toContain(
      `runners.api: "api" is the name of the API server's socket: give the runner another name`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const wd = await fails(["serve", "test/_fixtures/sd-service", "--port", "0", "--working-dir", "/no/such/dir"]);
  expect(wd.code).toBe(2);
  expect(wd.lines).toEqual([
    "Error: Pool runner:echo: working directory /no/such/dir does not exist: fix --working-dir",
  ]);
  const sw = await fails(["serve", "examples/iris", "--unix-sockets=maybe"]);
  expect(sw.code).toBe(2);
  expect(sw.lines).toEqual([
    'Error: --unix-sockets takes no value, got "maybe": use --unix-sockets or --no-unix-sockets',
  ]);
  const many = await fails(["serve", "examples/iris", "--api-workers", "99999"]);
  expect(many.lines).toEqual(['Error: --api-workers: expected a whole number from 1 to 1024, got "99999"']);
});

test("plugins declared in the manifest run in serve", async () => {
  const s = await serve("node", "test/_fixtures/plugin-service");
  await s.waitForOutput(/sd worker 1 listening/);
  const info = (await (await fetch(`http://127.0.0.1:${s.port}/`)).json()) as { custom: string };
  expect(info.custom).toBe("from-plugin");
}, 30_000);
