/**
 * bento-kit/worker writes its access log itself, straight to the
 * supervisor's stdout (BENTO_LOG_FD), formatted as the supervisor would
 * (docs/logs.md): the line comes out while the supervisor is stopped
 * (SIGSTOP), so it did not travel through it, on every supervisor runtime,
 * with the response's `length=` filled in. Piped lines (the workers' own
 * console.log) still come through the supervisor. `--log-format json` over
 * this path: test/serve/logs.test.ts. A Bun or Deno supervisor whose stdout
 * is a socket (journald) relays its workers' lines from a pipe of its own.
 */
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { cleanup, CLEANUP_MS, post, readyMsFor, RUNTIMES, serve, supervisorArgv } from "../_helpers/serve-process.ts";

afterEach(cleanup, CLEANUP_MS);

/** The supervisor's argv on `rt`, run by `sh -c script` (which ends with `exec "$@"`). */
const underShell =
  (script: string) => (rt: (typeof RUNTIMES)[number]) => ["sh", "-c", script, "sh", ...supervisorArgv(rt)];

/**
 * The supervisor's stdout as a pipe (a FIFO that cat copies to this test), as under `| tee` or
 * docker. Bun and Deno supervisors hand their workers fd 1 opened again (a file status of their
 * own), which a socket cannot be: with a socket for stdout (what bun test's child_process gives,
 * or journald) their workers write to a pipe the supervisor relays (tests below).
 */
const throughPipe = underShell(
  'f=$(mktemp -u); mkfifo "$f"; cat "$f" & exec 3>"$f"; rm "$f"; exec "$@" >&3 2>&1 3>&-',
);

const WORKERS = 3; // one API worker, the iris example's two runners
const ACCESS_TEXT =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[api_server:1\] 127\.0\.0\.1:\d+ \(scheme=http,method=POST,path=\/classify,type=[^,]*,length=19\) \(status=200,type=application\/json,length=3\) \d+\.\d{3}ms$/m;

for (const rt of RUNTIMES) {
  test(
    `${rt} supervisor: the access log reaches stdout while the supervisor is stopped; length= filled in`,
    async () => {
      const argv = rt === "node" ? undefined : throughPipe(rt);
      const s = await serve(rt, "examples/iris", ["--api-workers", "1"], {}, argv, readyMsFor(WORKERS));
      const pid = s.pid;
      // A worker prints its ready line after it has told the supervisor so: the start line may come first.
      await s.waitForOutput(new RegExp(`(?:iris (?:api|runner) worker \\d+ \\(pid \\d+\\) ready[^]*){${WORKERS}}`));
      const before = s.output().length;
      let answer = { body: "", pid: null as string | null };
      process.kill(pid, "SIGSTOP");
      try {
        answer = await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]");
        expect(answer.body).toBe("[2]");
        expect(await s.waitForOutput(ACCESS_TEXT, readyMsFor(WORKERS))).toBeDefined();
        // Nothing else came out meanwhile: the supervisor (and its piped path) was stopped.
        expect(s.output().slice(before).trim().split("\n")).toHaveLength(1);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      // The worker lives on (Deno once refused the deferred line's request headers: an uncaught error).
      const again = await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]");
      expect([again.body, again.pid]).toEqual(["[2]", answer.pid]);
      expect(await s.stop()).toBe(0);
      // The piped path still works: the API worker's own console.log line came through the supervisor, prefixed.
      expect(s.output()).toMatch(/^\d{4}-\S+ \[api_server:1\] iris api worker 1 \(pid \d+\) ready/m);
    },
    readyMsFor(WORKERS) * 3,
  );
}

/** What `fd` of `pid` is (`socket:[123]`, `pipe:[456]`). */
const fdTarget = (pid: number, fd: number | string) => readlinkSync(`/proc/${pid}/fd/${fd}`);

/** The fd a worker writes its own lines to (BENTO_LOG_FD), checked to be a pipe the supervisor holds too. */
function relayPipeOf(supervisor: number, worker: number): string {
  const logFd = readFileSync(`/proc/${worker}/environ`, "utf8").split("\0").find((e) => e.startsWith("BENTO_LOG_FD="));
  const pipe = fdTarget(worker, logFd!.split("=")[1]!);
  expect(pipe).toMatch(/^pipe:/);
  expect(readdirSync(`/proc/${supervisor}/fd`).map((fd) => fdTarget(supervisor, fd))).toContain(pipe);
  return pipe;
}

/** The supervisor's stdout as a file (deleted once open) that `tail -f` copies to this test. */
const throughFile = underShell(
  'f=$(mktemp); exec 4>"$f" 3<"$f"; rm "$f"; tail -s 0.1 -n +1 -f --pid=$$ <&3 3<&- 4>&- & exec "$@" >&4 2>&1 3<&- 4>&-',
);

test(
  "deno supervisor whose stdout is a file: its Deno workers (which write pipes only) write to the relay's pipe",
  async () => {
    const s = await serve(
      "deno",
      "examples/iris",
      ["--api-workers", "1"],
      {},
      throughFile("deno"),
      readyMsFor(WORKERS),
    );
    expect(fdTarget(s.pid, 1)).toMatch(/ \(deleted\)$/);
    const worker = Number((await s.waitForOutput(/iris api worker 1 \(pid (\d+)\) ready/))![1]);
    relayPipeOf(s.pid, worker);
    for (let i = 0; i < 5; i++) expect((await post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).body).toBe("[2]");
    await s.waitForOutput(/(?:.*\(status=200[^\n]*\n){5}/, readyMsFor(WORKERS));
    expect(s.output().match(new RegExp(ACCESS_TEXT.source, "gm"))).toHaveLength(5);
    expect(await s.stop()).toBe(0);
  },
  readyMsFor(WORKERS) * 2,
);

for (const rt of ["bun", "deno"] as const) {
  test(
    `${rt} supervisor whose stdout is a socket: workers write to a pipe the supervisor relays, every access line ` +
      "comes out, the supervisor's own lines go on after a worker that wrote is killed, none is lost at the stop",
    async () => {
      const s = await serve(rt, "examples/iris", ["--api-workers", "1"], {}, undefined, readyMsFor(WORKERS));
      expect(fdTarget(s.pid, 1)).toMatch(/^socket:/); // as under journald
      // A worker prints its ready line after it has told the supervisor so: the start line may come first.
      const worker = Number((await s.waitForOutput(/iris api worker 1 \(pid (\d+)\) ready/))![1]);
      relayPipeOf(s.pid, worker);

      const accessLines = () => s.output().match(new RegExp(ACCESS_TEXT.source, "gm"))?.length ?? 0;
      const classify = () => post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]");
      for (let i = 0; i < 20; i++) expect((await classify()).body).toBe("[2]");
      await s.waitForOutput(/(?:.*\(status=200[^\n]*\n){20}/, readyMsFor(WORKERS));
      expect(accessLines()).toBe(20);

      process.kill(worker, "SIGKILL");
      expect(await s.waitForOutput(/\[cli:api_server\] worker 1 \(pid \d+\) .*replacing it/, readyMsFor(WORKERS)))
        .toBeDefined();
      await s.waitForOutput(/(?:iris api worker 1 \(pid \d+\) ready[^]*){2}/, readyMsFor(WORKERS)); // the replacement
      for (let i = 0; i < 5; i++) expect((await classify()).body).toBe("[2]");
      expect(await s.stop()).toBe(0);
      expect(accessLines()).toBe(25);
      expect(s.output()).toMatch(/Stopped: every worker is gone and the sockets are closed\n$/);
    },
    readyMsFor(WORKERS) * 3,
  );
}
