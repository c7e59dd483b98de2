/**
 * The three runtime adapters against real sockets and real processes: each
 * probe runs under its own runtime (node --import tsx, bun, deno run -A).
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RuntimeName } from "../../src/core/ports.ts";
import type { BoundAddress } from "../../src/core/types.ts";
import { runProbe } from "../_helpers/run-probe.ts";
import { serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

type Line = [string, string];
type Exit = [number | null, string | null];
interface Failure {
  kind: string;
  code?: string;
  message: string;
}
interface Serve {
  runtime: string;
  name: string;
  addresses: BoundAddress[];
  bodies: Record<string, string>;
  pid: number;
  lines: Line[];
  exit: Exit;
  aliveBefore: boolean;
  killed: boolean;
  groupGone: boolean;
  grandchildGone: boolean;
  killAfterGone: boolean;
  moduleArgv: string[];
  tsBody: string;
  notify: { ready: number; fdsGained: number };
}
interface Cases {
  port: number;
  foreignPort: number;
  [name: string]: unknown;
}
interface Run {
  exit: Exit;
  lines: Line[];
}

const RUNTIMES: RuntimeName[] = ["node", "bun", "deno"];

for (const runtime of RUNTIMES) {
  describe(`${runtime} adapter`, () => {
    let serve: Serve;
    let cases: Cases;
    const failure = (name: string) => cases[name] as Failure;

    beforeAll(async () => {
      [serve, cases] = await Promise.all([
        runProbe<Serve>(runtime, "runtime-probe.ts"),
        runProbe<Cases>(runtime, "runtime-cases.ts"),
      ]);
    }, 90_000);

    test("is the one detectRuntime picks", () => {
      expect(serve.runtime).toBe(runtime);
      expect(serve.name).toBe(runtime);
    });

    test("a worker answers on inherited IPv4, IPv6, hostname and Unix sockets, requests sent before it started too", () => {
      const [v4, v6, named, unix] = serve.addresses;
      expect(v4).toMatchObject({ kind: "tcp", host: "127.0.0.1", family: 4 });
      expect(v6).toMatchObject({ kind: "tcp", host: "::1", family: 6 });
      expect(named).toMatchObject({ kind: "tcp", host: "127.0.0.1", family: 4 });
      expect(unix).toMatchObject({ kind: "unix" });
      for (const a of [v4, v6, named]) expect(a?.kind === "tcp" && a.port > 0).toBe(true);
      expect(serve.bodies).toEqual({
        early: `fd3 pid ${serve.pid}`,
        v4: `fd3 pid ${serve.pid}`,
        v6: `fd4 pid ${serve.pid}`,
        named: `fd5 pid ${serve.pid}`,
        unix: `fd6 pid ${serve.pid}`,
      });
    });

    test("killGroup ends the worker and the grandchild it started", () => {
      expect(serve.aliveBefore).toBe(true);
      expect(serve.killed).toBe(true);
      expect(serve.exit).toEqual([null, "SIGKILL"]);
      expect(serve.groupGone).toBe(true);
      expect(serve.grandchildGone).toBe(true);
      // Signalling a gone group neither throws nor needs a /proc scan (true while zombies of it remain).
      expect(typeof serve.killAfterGone).toBe("boolean");
    });

    test("moduleArgv runs a TypeScript worker that serves on an inherited socket", () => {
      expect(serve.tsBody).toBe("typescript worker");
      if (runtime !== "node") expect(serve.moduleArgv[0]).toMatch(/(^|\/)node$/);
      expect(serve.moduleArgv.slice(1, 2)).toEqual(["--import"]);
    });

    test("30 children with a notify pipe, one after the other: every READY=1 read, no pipe end left open", () => {
      expect(serve.notify.ready).toBe(30);
      // A pipe end kept per child would be 30 more fds; Deno opens a couple of its own now and then.
      expect(serve.notify.fdsGained).toBeLessThan(5);
    });

    test("worker output arrives as lines, the unterminated last one included", () => {
      expect(serve.lines.filter(([s]) => s === "stderr")).toEqual([["stderr", "no newline at the end"]]);
      const run = cases.lines as Run;
      expect(run.exit).toEqual([3, null]);
      expect(run.lines.filter(([s]) => s === "stdout")).toEqual([
        ["stdout", "a"],
        ["stdout", "b"],
        ["stdout", ""],
        ["stdout", "partial"],
      ]);
      expect(run.lines.filter(([s]) => s === "stderr")).toEqual([["stderr", "oops"]]);
    });

    test("a very long line arrives in 64 KiB pieces", () => {
      const long = cases.long as { sizes: number[]; exit: Exit };
      expect(long.exit).toEqual([0, null]);
      expect(long.sizes).toEqual([65536, 65536, 18928, 3]);
    });

    test("a worker gets exactly the env it is given", () => {
      expect((cases.env as Run).lines).toEqual([["stdout", "FOO=bar HOME=unset"]]);
    });

    test("a port in use fails with EADDRINUSE and names the port", () => {
      for (const [name, port] of [["inUseOwn", cases.port], ["inUseForeign", cases.foreignPort]] as const) {
        expect(failure(name)).toEqual({
          kind: "BindFailed",
          code: "EADDRINUSE",
          message: `Port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the other process or pass --port`,
        });
      }
    });

    test("an unknown host fails with ENOTFOUND", () => {
      expect(failure("unknownHost")).toMatchObject({ kind: "BindFailed", code: "ENOTFOUND" });
      expect(failure("unknownHost").message).toStartWith('Cannot resolve host "nosuch.invalid": ');
      expect(failure("unknownHost").message).toEndWith("pass an IP address or a resolvable hostname to --host");
    });

    test("an existing Unix socket path and a foreign address fail clearly", () => {
      expect(failure("unixExists")).toMatchObject({ kind: "BindFailed", code: "EADDRINUSE" });
      expect(failure("unixExists").message).toContain("already exists");
      expect(failure("notHere")).toMatchObject({ kind: "BindFailed", code: "EADDRNOTAVAIL" });
      expect(failure("notHere").message).toContain("192.0.2.1: address not on this machine");
    });

    test("a missing command, a non-executable file and a missing cwd fail to spawn", () => {
      expect(failure("missing")).toEqual({
        kind: "SpawnFailed",
        code: "ENOENT",
        message: 'Cannot start "bento-no-such-command": command not found (ENOENT); ' +
          "check the command in bento.config or install it",
      });
      expect(failure("notExecutable")).toMatchObject({ kind: "SpawnFailed", code: "EACCES" });
      expect(failure("badCwd")).toMatchObject({ kind: "SpawnFailed", code: "ENOENT" });
      expect(failure("badCwd").message).toContain("does not exist");
    });
  });
}
