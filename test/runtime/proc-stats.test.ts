/**
 * The memory and CPU time the supervisor reports per worker (/v1/pools, the
 * dashboard's charts) come from /proc parsed as bytes, in place: under Node,
 * Bun and Deno (libc over FFI) they equal the same files read as text, for a
 * process that has used CPU and whose command name holds spaces and
 * parentheses; a pid that does not exist reads as nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProbe } from "../_helpers/run-probe.ts";
import { RUNTIMES } from "../_helpers/serve-process.ts";
import { waitFor } from "../_helpers/probe-util.ts";

const dir = mkdtempSync(join(tmpdir(), "proc-stats-"));
const NAME = "a) (b c";
let pids: number[] = [];

/** Runs a shell loop (CPU time), then execs `sleep` under NAME: its figures stay still while they are read. */
function busyThenStill(): number {
  const child = spawn("sh", ["-c", `i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exec "./${NAME}" 1000`], {
    cwd: dir,
    stdio: "ignore",
  });
  return child.pid!;
}

const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").trim();

beforeAll(async () => {
  copyFileSync("/bin/sleep", join(dir, NAME));
  pids = [busyThenStill(), busyThenStill()];
  expect(await waitFor(() => pids.every((pid) => comm(pid) === NAME), 20_000)).toBe(true);
  process.env.BK_PIDS = pids.join(","); // the probe's environment
}, 30_000);

afterAll(() => {
  for (const pid of pids) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

for (const runtime of RUNTIMES) {
  test(`${runtime}: the figures read as bytes are those the text says; a missing pid is nothing`, async () => {
    const r = await runProbe<{ read: unknown[]; text: { cpuSeconds: number }[]; gone: unknown }>(
      runtime,
      "runtime-proc-stats.ts",
    );
    expect(r.read).toEqual(r.text);
    expect(r.text.every((t) => t.cpuSeconds > 0)).toBe(true);
    expect(r.gone).toBeNull();
  }, 40_000);
}
