/**
 * bento-kit/worker writes its access log itself, straight to the
 * supervisor's stdout (BENTO_LOG_FD), formatted as the supervisor would
 * (docs/logs.md): the line comes out while the supervisor is stopped
 * (SIGSTOP), so it did not travel through it, on every supervisor runtime,
 * with the response's `length=` filled in. Piped lines (the workers' own
 * console.log) still come through the supervisor. `--log-format json` over
 * this path: test/serve/logs.test.ts.
 */
import { afterEach, expect, test } from "bun:test";
import { listProcs } from "../_helpers/procs.ts";
import { cleanup, post, readyMsFor, RUNTIMES, serve, supervisorArgv } from "../_helpers/serve-process.ts";

afterEach(cleanup, 20_000);

const WORKERS = 3; // one API worker, the iris example's two runners
const ACCESS_TEXT =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[api_server:1\] 127\.0\.0\.1:\d+ \(scheme=http,method=POST,path=\/classify,type=[^,]*,length=19\) \(status=200,type=application\/json,length=3\) \d+\.\d{3}ms$/m;

/**
 * The command that starts the supervisor. The test reads a socket pair; a
 * Deno supervisor hands workers its stdout only when that is a FIFO or a
 * terminal (docs/logs.md), so there `sh` puts a pipe to `cat` in between.
 */
const argvFor = (rt: (typeof RUNTIMES)[number]): string[] =>
  rt === "deno" ? ["/bin/sh", "-c", '"$@" | cat', "sh", ...supervisorArgv(rt)] : supervisorArgv(rt);

/** The supervisor's pid: the started process, or the `sh` pipeline's first child. */
function supervisorPid(started: number, rt: (typeof RUNTIMES)[number]): number {
  if (rt !== "deno") return started;
  const children = listProcs().filter((p) => p.ppid === started).map((p) => p.pid);
  const deno = children.sort((a, b) => a - b)[0];
  if (deno === undefined) throw new Error("the sh pipeline has no child");
  return deno;
}

for (const rt of RUNTIMES) {
  test(
    `${rt} supervisor: the access log reaches stdout while the supervisor is stopped; length= filled in`,
    async () => {
      const s = await serve(rt, "examples/iris", ["--api-workers", "1"], {}, argvFor(rt), readyMsFor(WORKERS));
      const pid = supervisorPid(s.pid, rt);
      const before = s.output().length;
      process.kill(pid, "SIGSTOP");
      try {
        const answer = await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]");
        expect(answer.body).toBe("[2]");
        expect(await s.waitForOutput(ACCESS_TEXT, readyMsFor(WORKERS))).toBeDefined();
        // Nothing else came out meanwhile: the supervisor (and its piped path) was stopped.
        expect(s.output().slice(before).trim().split("\n")).toHaveLength(1);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      process.kill(pid, "SIGTERM");
      expect(await s.exited).toBe(0);
      // The piped path still works: the API worker's own console.log line came through the supervisor, prefixed.
      expect(s.output()).toMatch(/^\d{4}-\S+ \[api_server:1\] iris api worker 1 \(pid \d+\) ready/m);
    },
    readyMsFor(WORKERS) * 3,
  );
}
