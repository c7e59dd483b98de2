// --backlog reaches the listening sockets, as the kernel reports them (`ss -l`
// shows a listener's backlog as Send-Q), and stays there once the TypeScript
// workers have adopted them (a worker listens again on its inherited fd).
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { cleanup, CLEANUP_MS, runDirOf, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

/** Send-Q of the listening TCP socket on `port`, and of each listening Unix socket under `dir`. */
function backlogs(port: number, dir: string): { api: number[]; runners: number[] } {
  const tcp = execFileSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" });
  const unix = execFileSync("ss", ["-Hlx"], { encoding: "utf8" });
  const sendQ = (line: string, at: number) => Number(line.trim().split(/\s+/)[at]);
  return {
    api: tcp.split("\n").filter((l) => l.trim() !== "").map((l) => sendQ(l, 2)),
    // The monitoring plugin's private metrics sockets (`<dir>/metrics/…`) are not runner sockets.
    runners: unix.split("\n").filter((l) => l.includes(`${dir}/`) && !l.includes(`${dir}/metrics/`)).map((l) =>
      sendQ(l, 3)
    ),
  };
}

test(
  "--backlog 64 is the backlog of every Deno worker's own listener (SO_REUSEPORT): API and runner ports",
  async () => {
    const s = await serve("deno", "examples/iris", ["--backlog", "64", "--api-workers", "2"]);
    for (let i = 0; i < 500 && (s.output().match(/ ready: /g) ?? []).length < 4; i++) await Bun.sleep(20);
    const runnerPort = Number(s.output().match(/"iris":"tcp:\/\/127\.0\.0\.1:(\d+)"/)?.[1]);
    expect(backlogs(s.port, "/nowhere").api).toEqual([64, 64]);
    expect(backlogs(runnerPort, "/nowhere").api).toEqual([64, 64]);
  },
  40_000,
);

for (const runtime of ["node"] as const) {
  test(`--backlog 64 is the backlog of the API and runner sockets, workers running (${runtime})`, async () => {
    const s = await serve(runtime, "examples/iris", ["--backlog", "64", "--api-workers", "2"]);
    for (let i = 0; i < 500 && (s.output().match(/ ready: /g) ?? []).length < 4; i++) await Bun.sleep(20);
    expect((s.output().match(/ ready: /g) ?? []).length).toBe(4); // every worker has listened again
    const dir = runDirOf(s.output());
    expect(dir).toBeDefined();
    expect(backlogs(s.port, dir!)).toEqual({ api: [64], runners: [64] });
  }, 40_000);
}
