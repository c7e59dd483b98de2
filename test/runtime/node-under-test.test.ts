/**
 * Which Node the Node tests ran on. The tests run under Bun and start the
 * supervisor with the `node` first in PATH (supervisorArgv); `.ci/node-versions`
 * puts each tested Node there and sets BENTO_EXPECT_NODE to its major, so a
 * slice run on the machine's own Node by mistake fails here instead of
 * passing on the wrong version.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { cleanup, CLEANUP_MS, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const versionOf = (exe: string) => execFileSync(exe, ["--version"], { encoding: "utf8" }).trim();
const expected = process.env.BENTO_EXPECT_NODE;

test("the node in PATH, the supervisor and its Node workers run one Node (the one under test)", async () => {
  const inPath = execFileSync("node", ["-p", "process.version"], { encoding: "utf8" }).trim();
  const s = await serve("node", "examples/iris", ["--no-admin"]);
  const supervisor = readlinkSync(`/proc/${s.pid}/exe`);
  const workers = s.descendants().map((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return ""; // gone meanwhile
    }
  }).filter((exe) => /\/node$/.test(exe));
  console.log(`node under test: ${inPath} (${supervisor}), ${workers.length} Node workers`);
  expect(versionOf(supervisor)).toBe(inPath);
  expect(workers.length).toBeGreaterThanOrEqual(2); // the iris API and runner workers
  for (const exe of workers) expect(exe).toBe(supervisor);
  if (expected) expect(inPath).toStartWith(`v${expected}.`);
}, 60_000);
