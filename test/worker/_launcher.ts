/**
 * A stand-in supervisor for the worker tests, run on Node
 * (`node --import tsx _launcher.ts`): binds sockets without accepting on them,
 * holds them, and spawns workers that inherit them as fd 3, 4, ... announced
 * with LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID. Driven by JSON lines on
 * stdin; reports JSON lines on stdout. Kills every worker when stdin closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { createInterface } from "node:readline";

type Command =
  | { op: "bind"; id: string; path: string }
  | { op: "bind"; id: string; host: string; port: number }
  | { op: "spawn"; id: string; sockets: string[]; argv: string[]; env?: Record<string, string>; cwd?: string }
  | { op: "kill"; pid: number; signal: NodeJS.Signals };

interface Handle {
  fd: number;
  getsockname?(out: { port?: number }): number;
}

// Binds without listening, so this process never accepts: workers call listen().
const createServerHandle = (net as unknown as {
  _createServerHandle(address: string, port: number, addressType: number): Handle | number;
})._createServerHandle;

const sockets = new Map<string, Handle>();
const children = new Set<ChildProcess>();

function report(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function bind(command: Extract<Command, { op: "bind" }>): void {
  const handle = "path" in command
    ? createServerHandle(command.path, -1, -1)
    : createServerHandle(command.host, command.port, 4);
  if (typeof handle === "number") {
    report({ op: "error", id: command.id, message: `bind failed with errno ${handle}` });
    return;
  }
  sockets.set(command.id, handle);
  let address: string;
  if ("path" in command) address = `unix://${command.path}`;
  else {
    const out: { port?: number } = {};
    handle.getsockname?.(out);
    address = `tcp://${command.host}:${out.port}`;
  }
  report({ op: "bound", id: command.id, fd: handle.fd, address });
}

function spawnWorker(command: Extract<Command, { op: "spawn" }>): void {
  const fds = command.sockets.map((name) => sockets.get(name)?.fd ?? -1);
  const env = {
    ...process.env,
    ...command.env,
    LISTEN_FDS: String(fds.length),
    LISTEN_FDNAMES: command.sockets.join(":"),
  };
  // `exec` keeps the shell's pid, so LISTEN_PID is the worker's own pid.
  const child = spawn("sh", ["-c", 'LISTEN_PID=$$ exec "$@"', "sh", ...command.argv], {
    cwd: command.cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe", ...fds],
  });
  children.add(child);
  const pid = child.pid;
  report({ op: "spawned", id: command.id, pid });
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream]! }).on("line", (line) => report({ op: "output", pid, stream, line }));
  }
  child.on("exit", (code, signal) => {
    children.delete(child);
    report({ op: "exit", pid, code, signal });
  });
}

function killAll(): void {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    const command = JSON.parse(line) as Command;
    if (command.op === "bind") bind(command);
    else if (command.op === "spawn") spawnWorker(command);
    else {
      try {
        process.kill(command.pid, command.signal);
      } catch {
        // already gone
      }
    }
  })
  .on("close", () => {
    killAll();
    process.exit(0);
  });
process.on("SIGTERM", () => {
  killAll();
  process.exit(0);
});
report({ op: "ready", pid: process.pid });
