/**
 * An in-memory runtime for supervisor tests: spawns are records, signals end
 * them at once (unless a worker ignores SIGTERM), and a worker says READY=1
 * when `readyAtOnce` allows it or the test calls its `ready()`.
 */
import { okAsync } from "neverthrow";
import type { RuntimePort } from "../../mod.ts";

export interface FakeWorker { pool: string; id: number; exit(code: number | null, signal: string | null): void; ready(): void; ignoreTerm: boolean }

export function fakeRuntime(opts: { readyAtOnce: (pool: string, id: number, nth: number) => boolean; spawnDelayMs?: number }) {
  const live = new Map<number, FakeWorker>();
  const log: string[] = [];
  const spawnCount = new Map<string, number>();
  let nextPid = 100;
  const runtime: RuntimePort = {
    name: "node",
    bind: (spec) => (log.push(`bind ${spec.name}`), okAsync({ spec, fd: 10, address: { kind: "unix", path: `/run/${spec.name}` } })),
    close: (s) => void log.push(`close ${s.spec.name}`),
    spawn: (req) => okAsync(null).map(async () => {
      if (opts.spawnDelayMs) await Bun.sleep(opts.spawnDelayMs);
      const pid = nextPid++;
      const pool = req.env.BENTO_POOL!;
      const id = Number(req.env.BENTO_WORKER_ID);
      const key = `${pool}:${id}`;
      const nth = (spawnCount.get(key) ?? 0) + 1;
      spawnCount.set(key, nth);
      log.push(`spawn ${key} ${pid}`);
      let exit: FakeWorker["exit"] = () => {};
      let notify: (line: string) => void = () => {};
      const w: FakeWorker = { pool, id, exit: (c, s) => exit(c, s), ready: () => notify("READY=1"), ignoreTerm: false };
      live.set(pid, w);
      return {
        pid,
        onExit: (l: FakeWorker["exit"]) => void (exit = l),
        onLine() {},
        onNotify(l: (line: string) => void) {
          notify = l;
          if (opts.readyAtOnce(pool, id, nth)) queueMicrotask(() => l("READY=1"));
        },
      };
    }),
    killGroup(pid, signal) {
      const w = live.get(pid);
      if (!w) return false;
      log.push(`${signal} ${pid}`);
      if (signal === "SIGTERM" && w.ignoreTerm) return true;
      live.delete(pid);
      queueMicrotask(() => w.exit(null, signal));
      return true;
    },
    groupAlive: (pid) => live.has(pid),
    moduleArgv: (m: string) => ["node", m],
    removeDir() {},
  };
  return { runtime, live, log };
}

