/** Load with wrk, and its output parsed. */
import { type ChildProcess, execFile } from "node:child_process";

export interface WrkResult {
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  const x = Number(m[1]);
  return m[2] === "us" ? x / 1000 : m[2] === "s" ? x * 1000 : x;
}

/** A wrk run in progress: `stop()` sends it SIGINT, after which it prints its results as usual. */
export interface WrkRun {
  readonly pid: number;
  readonly done: Promise<WrkResult>;
  stop(): void;
}

/** Starts `wrk -t2 -c64 -dNs --latency [-s script] URL` (https too, without checking the certificate); `done` resolves with its output parsed. */
export function startWrk(
  port: number,
  path: string,
  seconds: number,
  script?: string,
  scheme: "http" | "https" = "http",
): WrkRun {
  const args = ["-t2", "-c64", `-d${seconds}s`, "--latency", "--timeout", "5s"];
  if (script) args.push("-s", script);
  args.push(`${scheme}://127.0.0.1:${port}${path}`);
  let child: ChildProcess | undefined;
  const done = new Promise<WrkResult>((res, rej) => {
    child = execFile("wrk", args, { timeout: (seconds + 20) * 1000 }, (err, stdout) => {
      if (err) return rej(new Error(`wrk failed: ${err.message}\n${stdout}`));
      const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? 0);
      const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      res({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
        p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? ""),
        p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? ""),
        non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
        socketErrors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
      });
    });
  });
  const pid = child?.pid;
  if (pid === undefined) throw new Error("cannot spawn wrk");
  return { pid, done, stop: () => void child?.kill("SIGINT") };
}

/** `wrk -t2 -c64 -dNs --latency [-s script] URL`, parsed. */
export const wrk = (
  port: number,
  path: string,
  seconds: number,
  script?: string,
  scheme: "http" | "https" = "http",
): Promise<WrkResult> => startWrk(port, path, seconds, script, scheme).done;
