/**
 * Issue 19 item 13: runners named like Object's properties (`__proto__`,
 * `constructor`, `toString`, `hasOwnProperty`, `valueOf`) are runners like
 * any other: each is in the API worker's BENTO_RUNNER_MAP under serve and
 * start-http-server, start-http-server's check names each one a runner map
 * misses, and a worker reads each from BENTO_RUNNER_MAP.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRunnerMap } from "../../src/worker/mod.ts";
import { cleanup, CLEANUP_MS, run, RUNTIMES, serve, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
const START_MS = 30_000;

const dirs: string[] = [];
afterEach(async () => {
  try {
    await cleanup();
  } finally {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}, CLEANUP_MS);

/** How long a spawned worker may take to exec its program on a loaded machine. */
const API_EXEC_MS = 10_000;

/** A service whose runners carry the names (stub workers: `sleep`, ready at once). */
function service(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-proto-names-"));
  dirs.push(dir);
  const pool = (seconds: string) => ({ command: ["sleep", seconds], workers: 1, ready: { after: 0 } });
  // Written as JSON text: `{ __proto__: ... }` in an object literal would set a prototype instead.
  const runners = `{${NAMES.map((n) => `${JSON.stringify(n)}:${JSON.stringify(pool("1001"))}`).join(",")}}`;
  writeFileSync(
    join(dir, "bento.config.json"),
    `{"name":"proto","api":${JSON.stringify(pool("1000"))},"runners":${runners}}`,
  );
  return dir;
}

/**
 * The BENTO_RUNNER_MAP of the API worker (`sleep 1000`) below `s`. Looked for until it shows, at most
 * API_EXEC_MS: its pool is ready as it is spawned (`ready: { after: 0 }`), so the start line can come before
 * the child has exec'd `sleep` (a CI run on a Bun supervisor found it not yet there).
 */
async function apiRunnerMap(s: Served): Promise<Record<string, string>> {
  const isApi = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sleep\u00001000\u0000";
    } catch {
      return false;
    }
  };
  let api = s.descendants().find(isApi);
  for (const deadline = Date.now() + API_EXEC_MS; api === undefined && Date.now() < deadline;) {
    await Bun.sleep(50);
    api = s.descendants().find(isApi);
  }
  if (api === undefined) throw new Error(`no API worker below ${s.pid}:\n${s.output()}`);
  const line = readFileSync(`/proc/${api}/environ`, "utf8").split("\u0000").find((l) =>
    l.startsWith("BENTO_RUNNER_MAP=")
  );
  return JSON.parse(line?.slice("BENTO_RUNNER_MAP=".length) ?? "{}");
}

for (const runtime of RUNTIMES) {
  test(
    `issue 19 item 13: serve (${runtime}) puts runners named __proto__, constructor, toString, hasOwnProperty and valueOf in BENTO_RUNNER_MAP`,
    async () => {
      const s = await serve(runtime, service(), ["--no-admin"]);
      expect(Object.keys(await apiRunnerMap(s)).sort()).toEqual([...NAMES].sort());
    },
    START_MS + 10_000,
  );

  test(
    `issue 19 item 13: start-http-server (${runtime}) names each such runner a runner map misses, and takes a map of all of them`,
    async () => {
      const dir = service();
      const missing = run(runtime, ["start-http-server", dir, "--port", "0", "--depends", "valueOf=tcp://127.0.0.1:9"]);
      expect(await missing.exited).toBe(2);
      expect(missing.output()).toContain(
        "Service proto needs runners __proto__, constructor, toString, hasOwnProperty, but the runner map names valueOf",
      );
      const depends = NAMES.flatMap((n, i) => ["--depends", `${n}=tcp://127.0.0.1:${9 + i}`]);
      const all = run(runtime, ["start-http-server", dir, "--host", "127.0.0.1", "--port", "0", ...depends]);
      const started = await all.waitForOutput(/running on http:\/\/\S+ \(Press CTRL\+C to quit\)/, START_MS);
      if (!started) throw new Error(`start-http-server did not start:\n${all.output()}`);
      expect(await apiRunnerMap(all)).toEqual(Object.fromEntries(NAMES.map((n, i) => [n, `tcp://127.0.0.1:${9 + i}`])));
    },
    START_MS + 10_000,
  );
}

test("issue 19 item 13: a worker reads runners named like Object's properties from BENTO_RUNNER_MAP", () => {
  const text = `{${NAMES.map((n) => `${JSON.stringify(n)}:"tcp://127.0.0.1:9"`).join(",")}}`;
  const map = getRunnerMap({ BENTO_RUNNER_MAP: text });
  expect(Object.keys(map).sort()).toEqual([...NAMES].sort());
  for (const n of NAMES) expect(Object.getOwnPropertyDescriptor(map, n)?.value).toBe("tcp://127.0.0.1:9");
});
