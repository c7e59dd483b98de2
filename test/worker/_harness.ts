/**
 * Test side of _launcher.ts: start it, bind sockets, spawn workers on them,
 * wait for their output or exit, and kill everything at the end.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** How bento-kit runs a TypeScript worker. */
export const NODE_TS = ["node", "--import", "tsx"];

type Event = Record<string, unknown> & { op: string };

export interface Launcher {
  readonly dir: string;
  bindUnix(id: string): Promise<{ address: string; path: string }>;
  bindTcp(id: string): Promise<{ address: string; url: string }>;
  spawn(
    id: string,
    sockets: string[],
    argv: string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): Promise<number>;
  kill(pid: number, signal: NodeJS.Signals): void;
  waitForLine(pid: number, pattern: RegExp, timeoutMs?: number): Promise<string>;
  waitForExit(pid: number, timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
  lines(pid: number): string[];
  stop(): Promise<void>;
}

export async function startLauncher(): Promise<Launcher> {
  const dir = mkdtempSync(join(tmpdir(), "bento-worker-test-"));
  const child: ChildProcessWithoutNullStreams = spawn(
    ...splitArgv([...NODE_TS, join(ROOT, "test/worker/_launcher.ts")]),
    {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const events: Event[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    events.push(JSON.parse(line) as Event);
    for (const wake of waiters) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[launcher] ${chunk}`));

  function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${what}; events:\n${
              events.map((e) => JSON.stringify(e)).join("\n")
            }`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
  const send = (command: Record<string, unknown>): void => void child.stdin.write(`${JSON.stringify(command)}\n`);
  const find = (op: string, key: string, value: unknown) => () => events.find((e) => e.op === op && e[key] === value);
  const lines = (pid: number): string[] =>
    events.filter((e) => e.op === "output" && e.pid === pid).map((e) => String(e.line));

  await waitFor(() => events.find((e) => e.op === "ready"), "the launcher to start");
  return {
    dir,
    async bindUnix(id) {
      const path = join(dir, `${id}.sock`);
      send({ op: "bind", id, path });
      const event = await waitFor(find("bound", "id", id), `socket ${id}`);
      return { address: String(event.address), path };
    },
    async bindTcp(id) {
      send({ op: "bind", id, host: "127.0.0.1", port: 0 });
      const event = await waitFor(find("bound", "id", id), `socket ${id}`);
      const address = String(event.address);
      return { address, url: address.replace("tcp://", "http://") };
    },
    async spawn(id, sockets, argv, options = {}) {
      send({ op: "spawn", id, sockets, argv, env: options.env ?? {}, cwd: options.cwd ?? ROOT });
      const event = await waitFor(find("spawned", "id", id), `worker ${id} to spawn`);
      return Number(event.pid);
    },
    kill: (pid, signal) => send({ op: "kill", pid, signal }),
    waitForLine: (pid, pattern, timeoutMs) =>
      waitFor(() => lines(pid).find((line) => pattern.test(line)), `pid ${pid} to print ${pattern}`, timeoutMs),
    async waitForExit(pid, timeoutMs) {
      const event = await waitFor(find("exit", "pid", pid), `pid ${pid} to exit`, timeoutMs);
      return { code: event.code as number | null, signal: event.signal as string | null };
    },
    lines,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end(); // the launcher SIGKILLs every worker's process group, then exits
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function splitArgv(argv: string[]): [string, string[]] {
  const [command, ...args] = argv;
  return [command!, args];
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}
