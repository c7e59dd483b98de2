/**
 * Socket activation with Debian's systemd-socket-activate: it binds the port,
 * waits for the first connection, and execs bento-kit with LISTEN_FDS,
 * LISTEN_PID and LISTEN_FDNAMES; bento-kit adopts the socket instead of binding.
 */
import { afterEach, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../grpc/_client.ts";
import {
  cleanup,
  CLEANUP_MS,
  readyMsFor,
  ROOT,
  runCommand,
  type Runtime,
  supervisorArgv,
} from "../_helpers/serve-process.ts";

afterEach(cleanup, CLEANUP_MS);

const hasActivate = spawnSync("systemd-socket-activate", ["--version"]).status === 0;
const READY_MS = readyMsFor(4);

/** bento-kit under systemd-socket-activate, once that listens; the first connection (`poke`) starts bento-kit. */
async function activated(runtime: Runtime, port: number, service: string, fdname = "api") {
  const argv = ["systemd-socket-activate", "-l", `127.0.0.1:${port}`, `--fdname=${fdname}`, ...supervisorArgv(runtime)];
  const s = runCommand(argv, ["serve", service]);
  if (!(await s.waitForOutput(/^Listening on /m, READY_MS))) throw new Error(`no listening line:\n${s.output()}`);
  return s;
}

const poke = (port: number) => void fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);

/** The listening sockets on `port` as `ss` lists them (one line per socket, however many processes hold it). */
function listeners(port: number): string[] {
  return execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" }).split("\n").filter(Boolean);
}

test.skipIf(!hasActivate)(
  "node: iris adopts the activated socket, answers [2], and bento-kit binds nothing of its own for it",
  async () => {
    const port = await freePort();
    const s = await activated("node", port, "examples/iris");
    // The first connection is what makes systemd-socket-activate start bento-kit: it waits in the backlog.
    const res = await fetch(`http://127.0.0.1:${port}/classify`, {
      method: "POST",
      body: "[[5.9,3.0,5.1,1.8]]",
      signal: AbortSignal.timeout(READY_MS),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([2]);
    expect(await s.waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+) \(Press CTRL\+C/, READY_MS)).toBeTruthy();
    expect(s.output()).toContain(`Socket api: adopted inherited fd 3 (127.0.0.1:${port}) instead of binding`);
    // One socket (the manifest's default port 3000 was never bound).
    expect(listeners(port)).toHaveLength(1);
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await s.leftovers()).toEqual([]);
  },
  READY_MS * 2,
);

for (const runtime of ["bun", "deno"] as const) {
  test.skipIf(!hasActivate)(`${runtime}: the supervisor adopts the socket and hands it to Node workers`, async () => {
    const port = await freePort();
    const s = await activated(runtime, port, "test/_fixtures/sd-service");
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(READY_MS) });
    expect(((await res.json()) as { fdNames: string }).fdNames).toBe("api");
    expect(s.output()).toContain(`Socket api: adopted inherited fd 3 (127.0.0.1:${port})`);
    expect(listeners(port)).toHaveLength(1);
    expect(await s.stop("SIGTERM")).toBe(0);
  }, READY_MS * 2);
}

test.skipIf(!hasActivate)("refusals: one line each, and nothing keeps running", async () => {
  // Bun's own workers bind the port with SO_REUSEPORT: a listening socket passed in cannot be shared so.
  const first = await freePort();
  const bun = await activated("bun", first, "examples/iris");
  poke(first);
  expect(await bun.exited).toBe(1);
  expect(bun.output()).toMatch(/^Error: Socket "api" cannot come from socket activation: .*runtime: "node"/m);
  // A name that is no socket of the service.
  const port = await freePort();
  const named = await activated("node", port, "examples/iris", "web");
  poke(port);
  expect(await named.exited).toBe(2);
  expect(named.output()).toMatch(/^Error: LISTEN_FDNAMES: fd 3 is named "web", which is no socket of this service/m);
  expect(named.output()).not.toContain("    at ");
}, READY_MS);

test("the documented unit files pass systemd-analyze verify", () => {
  const dir = join(ROOT, "docs", "systemd");
  const verify = spawnSync(
    "systemd-analyze",
    ["verify", join(dir, "bento-kit.socket"), join(dir, "bento-kit.service")],
    {
      encoding: "utf8",
    },
  );
  expect(verify.stderr).toBe("");
  expect(verify.status).toBe(0);
});
