/**
 * Load while something happens: wrk (Debian's) started with no fixed
 * duration, stopped with SIGINT once the test's action is over (wrk then
 * prints its summary as at the end of a timed run). So the load covers the
 * action however long it takes on a busy machine, and no longer.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT, sleep } from "./serve-process.ts";

export interface LoadResult {
  readonly requests: number;
  /** wrk's socket errors: connect, read, write and timeout. */
  readonly socketErrors: number;
  readonly non2xx: number;
  readonly out: string;
}

export interface Load {
  /** Stop the load (SIGINT) and read wrk's summary. */
  stop(): Promise<LoadResult>;
}

/** The iris /classify body of the benchmarks. */
export const CLASSIFY_SCRIPT = join(ROOT, "bench/classify.lua");

/** At most this long: a test that never stops its load still ends it. */
const LONGEST_S = 600;

/** wrk processes not stopped yet: killed when the test process exits (a failed test never stops its load). */
const running = new Set<ReturnType<typeof spawn>>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * How long each connection waits after an answer before its next request (wrk's Lua `delay()`).
 * Without a pause wrk takes both cores for the whole action, and the action itself (a rolling
 * restart, an upgrade) then takes longer; with it 64 connections still send about 500 requests a
 * second (some 3,000 during an upgrade or a rolling restart of iris), each connection idle far less
 * than the drain's second (DRAIN_IDLE_MS) before its next request, so the drain's handling of
 * kept-alive connections is what is tested. At 50 ms (about 1,000 a second) upgrade.test.ts and
 * e2e.test.ts together took 59 s and 68 s of CPU; at 100 ms, 53 s and 55 s.
 */
export const PACE_MS = 100;

/** A wrk script: `script`'s lines (if any) and a delay() of `paceMs`, in a temp file. */
function pacedScript(script: string | undefined, paceMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-wrk-"));
  const file = join(dir, "paced.lua");
  writeFileSync(file, `${script ? readFileSync(script, "utf8") : ""}\nfunction delay() return ${paceMs} end\n`);
  return file;
}

/**
 * `wrk -t2 -c64` on `url` (`script`: a wrk Lua script such as CLASSIFY_SCRIPT), each connection
 * pausing `paceMs` (PACE_MS; 0: none, wrk as fast as it can) between its requests; resolves once wrk has run `warmMs`, so the
 * action starts under load.
 */
export async function startLoad(
  url: string,
  options: { script?: string; connections?: number; warmMs?: number; timeoutS?: number; paceMs?: number } = {},
): Promise<Load> {
  const paceMs = options.paceMs ?? PACE_MS;
  const paced = paceMs > 0 ? pacedScript(options.script, paceMs) : undefined;
  const script = paced ?? options.script;
  const args = [
    "-t2",
    `-c${options.connections ?? 64}`,
    `-d${LONGEST_S}s`,
    "--timeout",
    `${options.timeoutS ?? 10}s`,
    ...(script ? ["-s", script] : []),
    url,
  ];
  const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      if (paced) rmSync(dirname(paced), { recursive: true, force: true });
      resolve(code);
    })
  );
  await sleep(options.warmMs ?? 1000);
  return {
    async stop() {
      child.kill("SIGINT");
      const code = await exited;
      if (code !== 0) throw new Error(`wrk exited ${code}: ${out}`);
      const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      return {
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
        socketErrors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        out,
      };
    },
  };
}
