// A reader of the supervisor's stdout that stalls (a paused `| less`, a stuck
// log shipper) must not freeze the supervisor, on any runtime: on Deno, whose
// node-compat process.stdout writes synchronously, and on Bun, whose Bun.write
// to a pipe blocked the event loop (SIGTERM did nothing for 10 s and more),
// signals, stop and exit still work.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { cmdline, killTracked, track } from "./_spawned.ts";
import {
  alive,
  descendantsOf,
  ROOT,
  RUNTIMES,
  serviceTestMs,
  sleep,
  supervisorArgv,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(killTracked);

const isPython = (pid: number): boolean => cmdline(pid).includes("python3");

for (const rt of RUNTIMES) {
  test(`a reader that stalls neither freezes the ${rt} supervisor nor keeps it alive after a stop`, async () => {
    const [cmd, ...pre] = supervisorArgv(rt);
    // stdout is a pipe nobody reads: the spewing worker fills it within milliseconds.
    const args = ["serve", "test/_fixtures/spew-service", "--port", "0", "--timeout-graceful-shutdown", "2"];
    const child = spawn(cmd!, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    track(child);
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let workers: number[] = [];
    for (let i = 0; i < 200 && workers.length === 0; i++) {
      await sleep(50);
      workers = descendantsOf(child.pid!).filter(isPython);
    }
    expect(workers.length).toBe(1);
    await sleep(1500); // the worker spews far more than the pipe holds
    child.kill("SIGTERM");
    expect(await Promise.race([exited, sleep(10_000).then(() => "still running 10 s after SIGTERM")])).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  }, 40_000);
}
