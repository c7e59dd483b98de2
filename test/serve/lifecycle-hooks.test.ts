/**
 * The lifecycle hooks in a real `serve` (Node supervisor): `afterSpawn` gets
 * the real pids, `beforeSignal` turns the API workers' SIGTERM into SIGINT
 * (the workers say which signal they got), `afterPoolStop` runs once per
 * pool, the API pool first. Details are in test/core/lifecycle-hooks.test.ts.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

test(
  "afterSpawn sees the real pids; API workers get SIGINT through beforeSignal, the runner SIGTERM; afterPoolStop: API, then runner",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "bento-kit-lifecycle-"));
    const log = join(dir, "hooks.log");
    try {
      const s = await serve("node", "test/_fixtures/lifecycle-service", ["--debug"], { BENTO_TEST_LOG: log });
      const started = [...s.output().matchAll(/\[cli:(\S+)\] worker (\d) started \(pid (\d+)\)/g)].map((m) =>
        `afterSpawn ${m[1]}:${m[2]} ${m[3]}`
      );
      expect(started).toHaveLength(3);
      expect(readFileSync(log, "utf8").trim().split("\n").sort()).toEqual(started.sort());
      const pid = (key: string) => started.find((l) => l.startsWith(`afterSpawn ${key} `))!.split(" ")[2];
      expect(await s.stop()).toBe(0);
      const lines = readFileSync(log, "utf8").trim().split("\n").slice(3);
      expect(lines.slice(0, 2).sort()).toEqual([
        `beforeSignal api_server:1 ${pid("api_server:1")} SIGINT stop`,
        `beforeSignal api_server:2 ${pid("api_server:2")} SIGINT stop`,
      ]);
      expect(lines.slice(2)).toEqual([
        "afterPoolStop api_server stop",
        `beforeSignal runner:r:1 ${pid("runner:r:1")} SIGTERM stop`,
        "afterPoolStop runner:r stop",
      ]);
      expect(s.output()).toContain("[api_server:1] got INT");
      expect(s.output()).toContain("[api_server:2] got INT");
      expect(s.output()).toContain("[runner:r:1] got TERM");
      expect(await s.leftovers()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  60_000,
);
