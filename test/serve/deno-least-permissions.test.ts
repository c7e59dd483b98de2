/**
 * Issue 19, item 4: a Deno supervisor with the README's least permissions (no
 * --allow-all, so Deno refuses node:fs reads under /proc) still finds its
 * workers' escaped processes at Ctrl+C and reports their RSS.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { alive, cleanup, CLEANUP_MS, ROOT, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { ESCAPE_SERVICE, escapees, GRACE_S, instanceOf, SWEEP_MS, until } from "../_helpers/escapees.ts";
import { cleanupServices, newStateDir, runCli } from "../admin/_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(async () => {
  cleanupServices();
  await cleanup();
}, CLEANUP_MS);

/** The README's Deno command: exactly these permissions. */
const DENO_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-ffi",
  "--allow-sys=uid,gid,homedir",
];

test(
  "issue 19 item 4: Deno with the README's permissions: Ctrl+C leaves no escaped process and `status` shows RSS",
  async () => {
    const env = { BENTO_STATE_DIR: newStateDir() };
    const deno = [join(ROOT, "node_modules", ".bin", "deno"), "run", ...DENO_FLAGS, join(ROOT, "mod.ts")];
    const s = await serve("deno", ESCAPE_SERVICE, ["--timeout-graceful-shutdown", String(GRACE_S)], env, deno);
    const instance = instanceOf(s.pid)!;
    expect(instance).toBeDefined();
    const escaped = await until(SWEEP_MS, () => escapees(instance), (e) => e.length === 2);
    expect(escaped).toHaveLength(2);

    const status = await runCli(["status"], env);
    expect(status.code).toBe(0);
    const rows = status.stdout.split("\n").filter((l) => /^api_server\s+\d+\s+\d+\s/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/\sready\s+\S+\s+\d+\s+[\d.]+ [KMG]iB\s+[\d.]+s\s/);

    expect(await s.stop("SIGINT")).toBe(0);
    expect(s.output()).toContain("Stopped: every worker is gone");
    expect(escaped.map((e) => e.pid).filter(alive)).toEqual([]);
  },
  120_000,
);
