/**
 * `deno run mod.ts serve` without permissions and without a terminal: one
 * line naming the flags, exit 2, nothing started. With exactly the flags
 * `deno task serve` passes (narrower than -A) the iris example serves.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, CLEANUP_MS, post, ROOT, runCommand, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const DENO = join(ROOT, "node_modules", ".bin", "deno");
const TASK = (JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { tasks: { serve: string } }).tasks.serve;
const FLAGS = TASK.split(" ").filter((w) => w.startsWith("--allow-"));

afterEach(cleanup, CLEANUP_MS);

test("deno task serve grants named permissions only, not -A", () => {
  expect(TASK).toStartWith("deno run --allow-");
  expect(TASK).not.toMatch(/ -A | --allow-all /);
  expect(FLAGS).toContain("--allow-ffi");
  expect(FLAGS.some((f) => f.startsWith("--allow-sys="))).toBe(true);
});

for (
  const [what, granted] of [["no permission flag", []], ["only --allow-read --allow-env", [
    "--allow-read",
    "--allow-env",
  ]]] as const
) {
  test(`deno run mod.ts serve examples/iris with ${what}, no terminal: one line naming the missing flags, exit 2`, () => {
    const r = spawnSync(DENO, ["run", ...granted, "mod.ts", "serve", "examples/iris"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(r.status).toBe(2);
    const lines = (r.stdout + r.stderr).trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("Error: bento-kit needs Deno permissions it was not given (");
    expect(lines[0]).toContain(FLAGS.join(" "));
    for (const flag of granted) expect(lines[0]!.split("):")[0]).not.toContain(flag);
    expect(lines[0]).not.toContain("NotCapable");
  });
}

test(
  "with the flags of deno task serve, deno run mod.ts serve examples/iris answers [2] and stops cleanly",
  async () => {
    const s = runCommand([DENO, "run", ...FLAGS, join(ROOT, "mod.ts")], [
      "serve",
      "examples/iris",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ]);
    const line = await s.waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
    expect(line, s.output()).toBeDefined();
    const r = await post(Number(line![1]), "/classify", "[[5.9,3.0,5.1,1.8]]");
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: "[2]" });
    expect(await s.stop("SIGINT")).toBe(0);
    expect(await s.leftovers()).toEqual([]);
    expect(s.output()).not.toContain("NotCapable");
  },
  60_000,
);
