/**
 * Logs a user can work with: a timestamp on every worker line, an access log
 * line per request from the API workers, `--log-format json` where every line
 * of a run parses, and a crash loop's repeated output shown once.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, post, run, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const ACCESS =
  /^127\.0\.0\.1:\d+ \(scheme=http,method=POST,path=\/classify,type=[^,]*,length=\d+\) \(status=(\d+),type=application\/json,length=\d+\) (\d+\.\d{3})ms$/;

test(
  "--log-format json: every line of a run is a JSON object; the access log shows each /classify with status and latency",
  async () => {
    const s = await serve("node", "examples/iris", ["--log-format", "json", "--api-workers", "1"]);
    expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");
    expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");
    expect((await post(s.port, "/classify", "[[1,2]]")).status).toBe(400);
    await s.waitForOutput(/status=400/);
    expect(await s.stop()).toBe(0);
    const lines = s.output().split("\n").filter((l) => l !== "");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of parsed) {
      expect(typeof p.time).toBe("string");
      expect(["debug", "info", "warning", "error", "critical"]).toContain(p.level as string);
      expect(typeof p.msg).toBe("string");
    }
    expect(parsed.some((p) => String(p.msg).startsWith("Starting production HTTP BentoServer"))).toBe(true);
    const access = parsed.filter((p) => p.pool === "api_server" && ACCESS.test(String(p.msg)));
    expect(access.map((p) => String(p.msg).match(ACCESS)![1])).toEqual(["200", "200", "400"]);
    for (const p of access) expect(p).toMatchObject({ worker: 1, level: "info", stream: "stdout" });
    // Runners log no requests, as in BentoML.
    expect(parsed.filter((p) => String(p.pool).startsWith("runner:") && String(p.msg).includes("scheme="))).toEqual([]);
  },
  60_000,
);

test("text: worker lines carry a time; --no-access-log turns the access log off", async () => {
  const s = await serve("node", "examples/iris", ["--no-access-log", "--api-workers", "1"]);
  expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");
  expect(await s.stop()).toBe(0);
  expect(s.output()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[api_server:1\] iris api worker 1/m);
  expect(s.output()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[runner:iris:1\] /m);
  expect(s.output()).not.toContain("scheme=http");
}, 60_000);

test("a crash loop prints its output once, then one counted line per identical start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-crash-"));
  try {
    writeFileSync(
      join(dir, "bento.config.json"),
      JSON.stringify({
        name: "crashy",
        api: { command: ["node", "-e", "setInterval(() => 0, 1000)"], workers: 1 },
        runners: {
          py: {
            command: [
              "node",
              "-e",
              "for (let i = 1; i <= 7; i++) console.error('Traceback line ' + i); process.exit(1)",
            ],
          },
        },
      }),
    );
    const s = run("node", ["serve", dir, "--port", "0", "--host", "127.0.0.1"]);
    expect(await s.exited).toBe(1);
    const out = s.output();
    for (let i = 1; i <= 7; i++) {
      expect(out.match(new RegExp(`^\\d{4}-\\S+ \\[runner:py:1\\] Traceback line ${i}$`, "gm"))).toHaveLength(1);
    }
    expect(out).toMatch(/\[runner:py:1\] \(same 7 lines as the previous start, not shown again; once\)/);
    expect(out).toMatch(/\[runner:py:1\] \(same 7 lines as the previous start, not shown again; 5 times in a row\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
