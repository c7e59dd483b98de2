/**
 * Issue 19 item 2: a second service on a port a Bun or Deno supervisor holds
 * with a SO_REUSEPORT reservation (a pool of Bun/Deno module workers, or a
 * gRPC pool with `reusePort: true`) must not join it and split the requests:
 * it exits 1 with one line naming the port, and the first keeps serving.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../grpc/_client.ts";
import { cleanup, CLEANUP_MS, ROOT, run, RUNTIMES, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const dirs: string[] = [];
afterEach(async () => {
  try {
    await cleanup();
  } finally {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}, CLEANUP_MS);

const STARTED = /listening on https?:\/\/\S+:(\d+) \(Press CTRL\+C to quit\)/;
/** The start-up a service gets: the iris models train in well under this. */
const START_MS = 40_000;

async function started(s: Served): Promise<void> {
  if (!(await s.waitForOutput(STARTED, START_MS))) throw new Error(`the first service did not start:\n${s.output()}`);
}

/** The second service's run: its exit code and the lines it printed. */
async function refused(s: Served): Promise<{ code: number | null; lines: string[] }> {
  // It exits, or starts (waitForOutput returns at exit, or at the start line).
  if (await s.waitForOutput(STARTED, START_MS)) throw new Error(`the second service started too:\n${s.output()}`);
  const code = await Promise.race([s.exited, new Promise<"running">((r) => setTimeout(() => r("running"), START_MS))]);
  if (code === "running") throw new Error(`the second service neither started nor exited:\n${s.output()}`);
  return { code, lines: s.output().trim().split("\n") };
}

// Node workers adopt the supervisor's listening fd: a Node HTTP pool holds no reservation.
for (const runtime of ["bun", "deno"] as const) {
  test(
    `issue 19 item 2: a second ${runtime} service on the port of a ${runtime} HTTP pool of module workers exits 1 naming the port; the first keeps serving`,
    async () => {
      const port = await freePort();
      const args = ["serve", join(ROOT, "examples/iris"), "--host", "127.0.0.1", "--port", String(port), "--no-admin"];
      const first = run(runtime, args);
      await started(first);
      const second = run(runtime, args);
      const { code, lines } = await refused(second);
      expect({ code, lines }).toEqual({
        code: 1,
        lines: [
          `Error: Port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the other process or pass --port`,
        ],
      });
      // Every request goes to the first service, which still answers.
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: "close" } });
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      expect(first.child.exitCode).toBeNull();
    },
    3 * START_MS,
  );
}

// Node too: its reservation for a reusePort pool is held the same way (set from a perl child, see runtime/node).
for (const runtime of RUNTIMES) {
  test(
    `issue 19 item 2: a second ${runtime} service on the port of a ${runtime} gRPC pool with reusePort exits 1 naming the port; the first keeps its workers`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "bk-shared-port-"));
      dirs.push(dir);
      const pool = { command: ["sleep", "1000"], workers: 2, ready: { after: 0 } };
      writeFileSync(
        join(dir, "bento.config.json"),
        JSON.stringify({ name: "shared", api: pool, grpc: { ...pool, reusePort: true } }),
      );
      const port = await freePort();
      const args = [
        "serve",
        "--grpc",
        dir,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--no-admin",
        "--no-metrics",
      ];
      const first = run(runtime, args);
      await started(first);
      const workers = first.descendants();
      const second = run(runtime, args);
      const { code, lines } = await refused(second);
      expect({ code, lines }).toEqual({
        code: 1,
        lines: [
          `Error: Port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the other process or pass --port`,
        ],
      });
      expect(first.child.exitCode).toBeNull();
      expect(first.descendants()).toEqual(workers);
    },
    3 * START_MS,
  );
}
