// Ctrl+C in a terminal sends SIGINT to the whole foreground process group, not
// only to the supervisor: whatever the supervisor runs in its own group (the
// Node adapter's listen helper, perl or node) gets it too. At any moment of start-up, a
// Ctrl+C must end in a clean stop: exit 0 and nothing left running.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { cmdline, killTracked, track } from "./_spawned.ts";
import {
  alive,
  descendantsOf,
  ROOT,
  type Runtime,
  serviceTestMs,
  sleep,
  supervisorArgv,
} from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const SERVICE = "test/_fixtures/many-sockets-service"; // 17 sockets: binding takes a while on Node
afterEach(killTracked);

type Moment = (pids: number[]) => boolean;
const MOMENTS: Record<string, Moment> = {
  "at once": () => true,
  "while a socket is being bound": (pids) => pids.some((pid) => cmdline(pid).includes("listen(")),
  "once the first worker started": (pids) => pids.some((pid) => cmdline(pid).startsWith("sleep")),
};

/** Start serve in a process group of its own (as a shell does), press Ctrl+C when `moment` comes. */
async function ctrlC(
  runtime: Runtime,
  moment: Moment,
): Promise<{ end: string; output: string; left: number[]; hit: boolean }> {
  const [cmd, ...pre] = supervisorArgv(runtime);
  const child = spawn(cmd!, [...pre, "serve", SERVICE, "--port", "0", "--host", "127.0.0.1"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  track(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<string>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? `exit ${code}`))
  );
  const seen = new Set<number>();
  let hit = false;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const pids = descendantsOf(child.pid!);
    for (const pid of pids) seen.add(pid);
    if (moment(pids)) {
      hit = true;
      break;
    }
    await sleep(2);
  }
  process.kill(-child.pid!, "SIGINT"); // what the terminal does on Ctrl+C
  const end = await Promise.race([exited, sleep(15_000).then(() => "still running after 15 s")]);
  await sleep(100);
  return { end, output, left: [...seen].filter(alive), hit };
}

for (const [name, moment] of Object.entries(MOMENTS)) {
  test(`Ctrl+C ${name} during start-up (node): exit 0, nothing left`, async () => {
    const r = await ctrlC("node", moment);
    expect(r.hit).toBe(true);
    // A SIGINT that comes before the runtime ran any of our code ends the process
    // the default way (killed by SIGINT), which is a clean stop too: nothing had started.
    const ends = name === "at once" ? ["exit 0", "SIGINT"] : ["exit 0"];
    expect({ end: ends.includes(r.end) ? "exit 0" : r.end, output: r.output }).toEqual({
      end: "exit 0",
      output: expect.not.stringContaining("Cannot bind"),
    });
    expect(r.left).toEqual([]);
  }, 40_000);
}

for (const runtime of ["bun", "deno"] as const) {
  test(`Ctrl+C once the first worker started (${runtime}): exit 0, nothing left`, async () => {
    const r = await ctrlC(runtime, MOMENTS["once the first worker started"]!);
    expect(r.hit).toBe(true);
    expect(r.end).toBe("exit 0");
    expect(r.left).toEqual([]);
  }, 40_000);
}
