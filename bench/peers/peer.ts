/**
 * One way of running bench/peers/worker.mjs, started and stopped by the
 * benchmark: bento-kit on a supervisor runtime, or the worker alone on one
 * inherited socket (the baseline). circus.ts and pm2.ts add the peers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BENCH,
  cmdline,
  descendantsOf,
  type Proc,
  running,
  runScriptArgv,
  type Runtime,
  startAloneArgv,
  startSupervisor,
  stop,
  type Watched,
} from "../_lib/mod.ts";

export const WORKER = join(BENCH, "peers/worker.mjs");
const FLOOR = join(BENCH, "peers/floor.mjs");
/** The title of bench/peers.ts's section in bench/RESULTS.md (bench/run.ts keeps it when it rewrites the file). */
export const PEERS_TITLE = "11. Side by side: bento-kit, circus and pm2 on one plain Node worker (issue 10)";
export const WORKERS = 2;

/** A running case. */
export interface Running {
  /** What the waits watch (ended = the case failed). */
  readonly watched: Watched;
  /** When the spawn that starts it happened (the bench's clock). */
  readonly t0: number;
  /** The process whose memory is counted: the supervisor, circusd, pm2's God daemon; the worker itself when alone. */
  readonly supervisorPid: () => number | undefined;
  /** Live workers (zombies left out). */
  workers(): number[];
  stop(): Promise<void>;
}

export interface Peer {
  readonly name: string;
  /** What the tables say it is. */
  readonly label: string;
  /** How many workers serve once it is up. */
  readonly workers: number;
  /** Which process the memory column counts. */
  readonly counted: string;
  /** Measured for its cold start and idle RSS only (no load, no SIGKILL: it does not replace a worker). */
  readonly startOnly?: boolean;
  start(port: number): Running;
}

/** Live descendants of `pid` running worker.mjs. */
export const workersBelow = (pid: number | undefined): number[] =>
  pid === undefined ? [] : descendantsOf(pid).filter((d) => running(d) && cmdline(d).includes(WORKER));

/** A case whose spawned process is the supervisor: stopped by pid (its workers with it), then `dir` (if any) removed. */
export const supervisedBy = (proc: Proc, dir?: { remove(): void }): Running => ({
  watched: proc,
  t0: proc.t0,
  supervisorPid: () => proc.pid,
  workers: () => workersBelow(proc.pid),
  stop: async () => {
    await stop(proc);
    dir?.remove();
  },
});

/** A fresh temp dir under the system's, removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * bento-kit on `rt`: `serve` of a JSON manifest (no TypeScript to load) whose
 * API pool is `node worker.mjs {fd}`, 2 workers, defaults otherwise; its
 * state dir (instance files) in a temp dir.
 */
export function bentoKit(rt: Runtime): Peer {
  return {
    name: `bento-kit ${rt}`,
    label: `bento-kit, supervisor on ${rt}`,
    workers: WORKERS,
    counted: "the supervisor process",
    start(port) {
      const dir = tempDir("bento-bench-peers-");
      const service = join(dir.path, "service");
      mkdirSync(service);
      writeFileSync(
        join(service, "bento.config.json"),
        JSON.stringify({
          name: "peers",
          api: { command: [process.execPath, WORKER, "{fd}"], workers: WORKERS },
        }),
      );
      return supervisedBy(
        startSupervisor(rt, service, port, { env: { BENTO_STATE_DIR: join(dir.path, "state") } }),
        dir,
      );
    },
  };
}

/**
 * The floor of a supervisor on `rt`: bench/peers/floor.mjs, which only spawns
 * the 2 workers on the socket it inherits (fd 3, as the lone worker gets it)
 * with the spawn API that can hand them fd 3 on that runtime, reads their
 * output and stops them on SIGTERM. What bento-kit adds over it is its own cost.
 */
export function floor(rt: Runtime): Peer {
  return {
    name: `floor ${rt}`,
    label: `floor.mjs on ${rt}: spawns the 2 workers, nothing else`,
    workers: WORKERS,
    counted: "the floor process",
    startOnly: true,
    start: (port) =>
      supervisedBy(startAloneArgv([...runScriptArgv(rt, FLOOR), process.execPath, WORKER, String(WORKERS)], port)),
  };
}

/** The baseline: worker.mjs alone on one inherited socket (LISTEN_FDS=1, fd 3). */
export const alone: Peer = {
  name: "alone",
  label: "worker.mjs alone on an inherited socket",
  workers: 1,
  counted: "the worker itself (for scale)",
  start(port) {
    const proc = startAloneArgv([process.execPath, WORKER], port);
    return {
      watched: proc,
      t0: proc.t0,
      supervisorPid: () => proc.pid,
      workers: () => (running(proc.pid) ? [proc.pid] : []),
      stop: async () => void await stop(proc),
    };
  },
};
