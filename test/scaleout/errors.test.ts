/**
 * Component commands refuse what cannot work before anything starts: one
 * line (or one per problem), exit 2, no worker, no run dir left in TMPDIR.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, run, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

async function refused(args: string[], env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "scaleout-errors-"));
  try {
    const s = run("node", [...args, "--no-admin"], { TMPDIR: tmp, ...env });
    const code = await s.exited;
    const lines = s.output().trim().split("\n");
    expect(s.output()).not.toMatch(/^\s+at /m);
    expect(s.procs.leftovers()).toEqual([]);
    expect(s.output()).not.toContain("[runner:");
    expect(s.output()).not.toContain("[api_server:");
    expect(readdirSync(tmp).filter((f) => f.startsWith("bento-kit-"))).toEqual([]);
    return { code, lines };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("start-runner-server with an unknown runner lists the available ones", async () => {
  const r = await refused(["start-runner-server", "examples/iris", "--runner-name", "nope"]);
  expect(r.code).toBe(2);
  expect(r.lines).toEqual(['Error: Runner "nope" is not in service "iris_classifier": the available runners are iris']);
}, 30_000);

test("start-runner-server without --runner-name", async () => {
  const r = await refused(["start-runner-server", "examples/iris"]);
  expect(r).toEqual({ code: 2, lines: ["Error: --runner-name: is required: name the runner to serve (iris)"] });
}, 30_000);

test("start-http-server whose runner map misses iris names it", async () => {
  const r = await refused(["start-http-server", "examples/iris", "--depends", "other=tcp://127.0.0.1:1"]);
  expect(r.code).toBe(2);
  expect(r.lines).toEqual([
    "Error: Service iris_classifier needs runner iris, but the runner map names other: pass --depends iris=tcp://HOST:PORT (or --runner-map JSON)",
  ]);
}, 30_000);

test("start-http-server with iris=ftp://x names the runner and the schemes", async () => {
  const r = await refused(["start-http-server", "examples/iris", "--depends", "iris=ftp://x"]);
  expect(r.code).toBe(2);
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).toMatch(/^Error: Runner iris \(--depends\): "ftp:\/\/x" must start with unix:\/\/ or tcp:\/\//);
}, 30_000);

test("start-http-server with iris=tcp://host:99999 names the runner and the port range", async () => {
  const r = await refused(["start-http-server", "examples/iris", "--depends", "iris=tcp://host:99999"]);
  expect(r.code).toBe(2);
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).toMatch(
    /^Error: Runner iris \(--depends\): "tcp:\/\/host:99999" must be tcp:\/\/host:port with a port in 1-65535/,
  );
}, 30_000);

test("every problem at once: a bad --port and a bad runner map from the environment", async () => {
  const r = await refused(["start-http-server", "examples/iris", "--port", "x"], { BENTO_RUNNER_MAP: '{"iris": 3}' });
  expect(r.code).toBe(2);
  expect(r.lines[0]).toBe('Error: --port: expected a whole number from 0 to 65535, got "x"');
  expect(r.lines[1]).toStartWith("BENTO_RUNNER_MAP: expected a JSON object of runner name to address");
  expect(r.lines).toHaveLength(2);
}, 30_000);
