/**
 * TypeScript workers on Node: under any supervisor, Node runs them itself
 * (type stripping: no tsx loader thread, no esbuild service), and tsx takes
 * over, in the same process, for a worker whose modules Node refuses before
 * it runs (an enum, an import without its extension); a worker that meets
 * such a module only once running (a top-level `await import()`) stops, and
 * its pool's next worker runs through tsx. Every worker is the process the
 * supervisor started, and is `import.meta.main`; the ones Node runs keep
 * what it compiled in its compile cache.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Facts } from "../_fixtures/node-typescript-service/_facts.ts";
import { cleanup, CLEANUP_MS, ROOT, RUNTIMES, serve, serviceTestMs } from "../_helpers/serve-process.ts";

/** The major version of the `node` on PATH: the Node supervisor's and its workers'. */
const NODE_MAJOR = Number(execFileSync("node", ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }));
const SERVICE = join(ROOT, "test", "_fixtures", "node-typescript-service");
const RUNNERS = ["plain", "enum", "extensionless", "late"] as const;

setDefaultTimeout(serviceTestMs(1, 7));
afterEach(cleanup, CLEANUP_MS);

async function facts(port: number, runner: string): Promise<Facts> {
  const res = await fetch(`http://127.0.0.1:${port}/facts/${runner}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Facts;
}

test.each([...RUNTIMES])(
  "on a %s supervisor, every TypeScript worker on Node runs, through tsx only where Node refuses it",
  async (runtime) => {
    const s = await serve(runtime, SERVICE);
    const got = Object.fromEntries(await Promise.all(RUNNERS.map(async (r) => [r, await facts(s.port, r)] as const)));

    // The same on every supervisor: a Bun or Deno one asks the `node` on PATH what it can do, a Node one its own.
    expect(Object.fromEntries(RUNNERS.map((r) => [r, got[r]!.typescript]))).toEqual({
      plain: "node",
      enum: "tsx",
      extensionless: "tsx",
      late: "tsx",
    });
    expect(RUNNERS.map((r) => got[r]!.value)).toEqual(["plain", "red", "extensionless", "red"]);
    for (const r of RUNNERS) {
      expect(got[r]!.main).toBe(true);
      expect(got[r]!.ppid).toBe(s.pid);
      // The workers Node runs keep what it compiled; those restarted through tsx do not (the late one; on Node 22
      // the refused ones too).
      const hooked = r === "plain" || (r !== "late" && NODE_MAJOR >= 24);
      if (hooked) expect(got[r]!.compileCache).toContain("/node-compile-cache/");
      else expect(got[r]!.compileCache).toBeNull();
    }

    // A JavaScript worker gets Node's compile cache too.
    const js = await facts(s.port, "javascript");
    expect(js).toMatchObject({
      value: "javascript",
      ppid: s.pid,
      typescript: "node",
      compileCache: expect.stringContaining("/node-compile-cache/"),
    });

    // Under a tsconfig.json that does not ask for the TypeScript Node runs: tsx, as before.
    expect(await facts(s.port, "legacy")).toMatchObject({ value: "legacy", typescript: "tsx", compileCache: null });

    const output = s.output();
    // Refused before it ran: taken over in place, never a worker's exit (Node 24 and later); Node 22 keeps a
    // failed module failed, so there the worker exits once (78, one line) and the next runs through tsx.
    expect(output).not.toMatch(/cli:runner:(plain|javascript|legacy)\] worker/);
    for (const pool of ["enum", "extensionless"]) {
      const exits = output.match(new RegExp(`\\[cli:runner:${pool}\\] worker 1 \\(pid \\d+\\) exit code 78`, "g"));
      expect(exits?.length ?? 0).toBe(NODE_MAJOR < 24 ? 1 : 0);
    }
    // Refused once running: one exit (78), one line saying what follows, then tsx.
    expect(output.match(/\[cli:runner:late\] worker 1 \(pid \d+\) exit code 78/g)).toHaveLength(1);
    expect(output).toContain(
      "could not run a module it imported once it was running (above): this pool's next workers run through tsx.",
    );
    expect(await s.stop("SIGINT")).toBe(0);
  },
);
