/**
 * Probe: the error paths and process details of the adapter of the runtime
 * running it (node --import tsx, bun, or deno run -A). Prints
 * `{"started": pid}` for each process it starts, then `{"result": {...}}`.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BindFailed, SpawnFailed } from "../../src/core/errors.ts";
import type { ChildProcessHandle, RuntimePort, SpawnRequest } from "../../src/core/ports.ts";
import type { BoundSocket } from "../../src/core/types.ts";
import { createRuntime } from "../../src/runtime/detect.ts";
import { report, runProbe, waitFor } from "./probe-util.ts";

const PATH = process.env.PATH ?? "/usr/bin:/bin";

function summary(e: BindFailed | SpawnFailed): { kind: string; code?: string; message: string } {
  return { kind: e.kind, code: e.code, message: e.message };
}

interface Run {
  pid: number;
  exit: [number | null, string | null];
  lines: [string, string][];
}

/** Spawn, collect lines until exit and the streams settle. */
async function run(runtime: RuntimePort, req: Partial<SpawnRequest> & { argv: string[] }): Promise<Run> {
  const spawned = await runtime.spawn({ env: { PATH }, cwd: tmpdir(), fds: [], keepStdin: false, ...req });
  const child: ChildProcessHandle = spawned._unsafeUnwrap();
  report({ started: child.pid });
  const lines: [string, string][] = [];
  let exit: [number | null, string | null] | undefined;
  child.onLine((s, l) => lines.push([s, l]));
  child.onExit((code, signal) => (exit = [code, signal]));
  await waitFor(() => exit !== undefined, 10_000);
  await new Promise((r) => setTimeout(r, 100));
  return { pid: child.pid, exit: exit ?? [null, "timeout"], lines };
}

function listenForeign(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

runProbe(async () => {
  const runtime = await createRuntime();
  const dir = process.env.BK_PROBE_DIR ?? mkdtempSync(join(tmpdir(), "bk-cases-"));
  const held: BoundSocket[] = [];
  const foreign = await listenForeign();
  try {
    const first = (await runtime.bind({ kind: "tcp", name: "a", host: "127.0.0.1", port: 0, backlog: 8 }))
      ._unsafeUnwrap();
    held.push(first);
    const port = first.address.kind === "tcp" ? first.address.port : -1;
    const inUseOwn = await runtime.bind({ kind: "tcp", name: "again", host: "127.0.0.1", port, backlog: 8 });
    const foreignPort = (foreign.address() as { port: number }).port;
    const inUseForeign = await runtime.bind({
      kind: "tcp",
      name: "f",
      host: "127.0.0.1",
      port: foreignPort,
      backlog: 8,
    });
    const unknownHost = await runtime.bind({ kind: "tcp", name: "h", host: "nosuch.invalid", port: 0, backlog: 8 });
    const unix = (await runtime.bind({ kind: "unix", name: "u", path: join(dir, "u.sock"), backlog: 8 }))
      ._unsafeUnwrap();
    held.push(unix);
    const unixExists = await runtime.bind({ kind: "unix", name: "u2", path: join(dir, "u.sock"), backlog: 8 });
    const notHere = await runtime.bind({ kind: "tcp", name: "n", host: "192.0.2.1", port: 0, backlog: 8 });

    const missing = await runtime.spawn({
      argv: ["bento-no-such-command"],
      env: { PATH },
      cwd: dir,
      fds: [],
      keepStdin: false,
    });
    const script = join(dir, "not-executable.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n");
    chmodSync(script, 0o644);
    const notExecutable = await runtime.spawn({ argv: [script], env: { PATH }, cwd: dir, fds: [], keepStdin: false });
    const badCwd = await runtime.spawn({
      argv: ["sh", "-c", "true"],
      env: { PATH },
      cwd: join(dir, "nope"),
      fds: [],
      keepStdin: false,
    });

    const lines = await run(runtime, { argv: ["sh", "-c", "printf 'a\\r\\nb\\n\\npartial'; echo oops >&2; exit 3"] });
    const env = await run(runtime, {
      argv: ["sh", "-c", 'echo "FOO=$FOO HOME=${HOME:-unset}"'],
      env: { PATH, FOO: "bar" },
    });
    const long = await run(runtime, { argv: ["sh", "-c", "head -c 150000 /dev/zero | tr '\\\\0' x; echo; echo end"] });
    return {
      inUseOwn: inUseOwn.isErr() ? summary(inUseOwn.error) : "bound",
      inUseForeign: inUseForeign.isErr() ? summary(inUseForeign.error) : "bound",
      foreignPort,
      port,
      unknownHost: unknownHost.isErr() ? summary(unknownHost.error) : "bound",
      unixExists: unixExists.isErr() ? summary(unixExists.error) : "bound",
      notHere: notHere.isErr() ? summary(notHere.error) : "bound",
      missing: missing.isErr() ? summary(missing.error) : "spawned",
      notExecutable: notExecutable.isErr() ? summary(notExecutable.error) : "spawned",
      badCwd: badCwd.isErr() ? summary(badCwd.error) : "spawned",
      lines,
      env,
      long: { exit: long.exit, sizes: long.lines.map(([, l]) => l.length), last: long.lines.at(-1) },
    };
  } finally {
    for (const b of held) runtime.close(b);
    foreign.close();
    if (!process.env.BK_PROBE_DIR) runtime.removeDir(dir);
  }
});
