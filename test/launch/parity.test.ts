/**
 * One pipeline, every mode: what `serve` does, the start-* commands and
 * `serve --grpc` do too. TLS on start-http-server (flags and BENTO_SSL_* env,
 * the password in no worker), worker lines with timestamps and
 * `--log-format json` in every mode, the bound port in start lines (never 0),
 * and a flag a mode does not take refused with exit 2 and why.
 */
import { afterAll, afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCerts } from "../_helpers/certs.ts";
import { cleanup, CLEANUP_MS, run, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);
const certs = makeCerts();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

/** A supervisor's start: workers ready within this (two supervisors start per test at most). */
const START_MS = 60_000;
const ROW = "[[5.9,3.0,5.1,1.8]]";

async function startLine(s: Served, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  const m = await s.waitForOutput(pattern, START_MS);
  if (!m) throw new Error(`${what} did not start:\n${s.output()}`);
  return m;
}

async function runnerServer(extra: string[] = []): Promise<{ served: Served; port: number }> {
  const served = run("node", ["start-runner-server", "examples/iris", "--runner-name", "iris", "--no-admin", ...extra]);
  const m = await startLine(
    served,
    /RunnerServer from \\?"iris_classifier\\?" running on http:\/\/127\.0\.0\.1:(\d+)/,
    "runner",
  );
  return { served, port: Number(m[1]) };
}

/** start-http-server in front of the runner server at `runnerPort`, one API worker on a free loopback port. */
function httpServer(runnerPort: number, extra: string[], env: Record<string, string> = {}): Served {
  const args = [
    "examples/iris",
    "--depends",
    `iris=tcp://127.0.0.1:${runnerPort}`,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ];
  return run("node", ["start-http-server", ...args, "--api-workers", "1", "--no-admin", ...extra], env);
}

function curlTls(port: number): string {
  return execFileSync("curl", [
    "-sS",
    "--max-time",
    "20",
    "--cacert",
    certs.ca,
    "-X",
    "POST",
    `https://localhost:${port}/classify`,
    "-d",
    ROW,
  ], { encoding: "utf8" });
}

/** The service's processes whose environment holds `secret`. */
function environLeaks(s: Served, secret: string): number[] {
  return s.descendants().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").includes(secret);
    } catch {
      return false;
    }
  });
}

const HTTPS_LINE = /Starting bare HTTPS BentoServer from "iris_classifier" running on https:\/\/127\.0\.0\.1:(\d+)/;

for (const source of ["flags", "env"] as const) {
  test(
    `start-http-server serves HTTPS with the TLS settings from ${source}; no worker holds the key password`,
    async () => {
      const runner = await runnerServer();
      const tls: { args: string[]; env: Record<string, string> } = source === "flags"
        ? { args: ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.encryptedKey], env: {} }
        : { args: [], env: { BENTO_SSL_CERTFILE: certs.cert, BENTO_SSL_KEYFILE: certs.encryptedKey } };
      const api = httpServer(runner.port, tls.args, { ...tls.env, BENTO_SSL_KEYFILE_PASSWORD: certs.password });
      const port = Number((await startLine(api, HTTPS_LINE, "start-http-server"))[1]);
      expect(port).toBeGreaterThan(0);
      expect(curlTls(port)).toBe("[2]");
      expect(environLeaks(api, certs.password)).toEqual([]);
      expect(environLeaks(runner.served, certs.password)).toEqual([]);
    },
    START_MS * 2 + 20_000,
  );
}

test(
  "start-runner-server and start-http-server: worker lines carry timestamps; --log-format json makes every line parse",
  async () => {
    const runner = await runnerServer(["--log-format", "json"]);
    const api = httpServer(runner.port, []);
    await startLine(api, /running on http:\/\/127\.0\.0\.1:\d+/, "start-http-server");
    // A worker's own lines may come after the start line (two streams).
    expect(await api.waitForOutput(/\[api_server:1\] /, START_MS)).toBeDefined();
    const text = api.output().split("\n").filter((l) => l.includes("[api_server:1]"));
    expect(text.length).toBeGreaterThan(0);
    for (const line of text) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[api_server:1\] /);
    await runner.served.stop();
    const lines = runner.served.output().split("\n").filter((l) => l.trim() !== "");
    const parsed = lines.map((l) => JSON.parse(l) as { pool?: string; time: string });
    expect(parsed.some((p) => p.pool === "runner:iris")).toBe(true);
    for (const p of parsed) expect(Date.parse(p.time)).not.toBeNaN();
  },
  START_MS * 2 + 20_000,
);

test("serve --grpc: worker lines parse as JSON, and the metrics line gives the bound port, never 0", async () => {
  const grpc = run("node", [
    "serve",
    "examples/iris-grpc",
    "--grpc",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics-host",
    "127.0.0.1",
    "--metrics-port",
    "0",
    "--api-workers",
    "1",
    "--no-admin",
    "--log-format",
    "json",
  ]);
  await startLine(grpc, /Starting production gRPC BentoServer/, "serve --grpc");
  // A worker's own lines may come after the start line (the supervisor's and the workers' are two streams).
  expect(await grpc.waitForOutput(/"pool":"grpc_api_server"/, START_MS)).toBeDefined();
  const lines = grpc.output().split("\n").filter((l) => l.trim() !== "");
  const parsed = lines.map((l) => JSON.parse(l) as { pool?: string; msg: string });
  expect(parsed.some((p) => p.pool === "grpc_api_server")).toBe(true);
  const metrics = parsed.find((p) => p.msg.startsWith("Prometheus metrics for gRPC BentoServer"));
  const port = Number(metrics?.msg.match(/http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
  expect(port).toBeGreaterThan(0);
  // A worker socket that does not answer within the scrape's 2 s is left out of that scrape (a loaded
  // machine): scrape again, a bounded number of times, until the gRPC worker's series are in.
  let scraped = "";
  for (let i = 0; i < 10 && !scraped.includes('pool="grpc_api_server"'); i++) {
    scraped = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  }
  expect(scraped).toContain('pool="grpc_api_server"');
}, START_MS + 40_000);

const REFUSED: readonly [string[], RegExp][] = [
  [
    ["start-runner-server", "examples/iris", "--runner-name", "iris", "--ssl-certfile", "x.pem"],
    /^Error: --ssl-certfile is refused by start-runner-server: runner servers are internal/,
  ],
  [["serve", "examples/iris-grpc", "--grpc", "--development"], /^Error: --development is refused by serve --grpc: /],
  [["serve", "examples/iris", "--depends", "iris=tcp://127.0.0.1:1"], /^Error: --depends is refused by serve: /],
  [["serve", "examples/iris", "--enable-reflection"], /^Error: --enable-reflection is refused by serve: /],
  [
    ["serve", "examples/iris-grpc", "--grpc", "--ssl-ciphers", "HIGH"],
    /^Error: --ssl-ciphers is refused by serve --grpc/,
  ],
  [
    ["serve", "examples/iris-grpc", "--grpc", "--ssl-certfile", "/nonexistent.pem"],
    /^Error: --ssl-certfile \/nonexistent\.pem/,
  ],
];

for (const [args, expected] of REFUSED) {
  test(`refused before anything starts: ${args.join(" ")}`, async () => {
    // A temp dir of its own: other processes may make run dirs in /tmp meanwhile.
    const tmp = mkdtempSync(join(tmpdir(), "parity-refused-"));
    try {
      const s = run("node", args, { TMPDIR: tmp });
      expect(await s.exited).toBe(2);
      const lines = s.output().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
      expect(readdirSync(tmp).filter((f) => f.startsWith("bento-kit-"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 30_000);
}
