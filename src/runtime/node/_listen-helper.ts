/**
 * Node has no public API to put a bound socket in LISTEN state without
 * accepting on it, so a short-lived child does the listen(2) on the fd it
 * inherits, then exits: the supervisor itself never accepts a connection.
 * The child is perl when one is on PATH (about 5 ms; perl-base is part of
 * every Debian and Ubuntu system), else Node itself (30-100 ms of start-up,
 * on the path to the first request).
 */
import { spawn } from "node:child_process";
import { findExecutable } from "../shared/_which.ts";

/**
 * Each helper listens on fd 3 with backlog argv[1], exits 0, or prints the
 * errno name and exits 1. Node's backlog goes as listen's second argument:
 * Node ignores `backlog` in the options object when it listens on an fd.
 */
const PERL_SCRIPT = 'open(my $s, "+<&=", 3) or exit 3; listen($s, $ARGV[0]) and exit 0; ' +
  "for (keys %!) { if ($!{$_}) { print; last } } exit 1";
const NODE_SCRIPT = "const s=require('net').createServer();" +
  "s.on('error',e=>{process.stdout.write(String(e.code));process.exit(1)});" +
  "s.listen({fd:3},Number(process.argv[1]),()=>process.exit(0))";

/**
 * Perl only (Node has no setsockopt): on the socket at fd 3, SO_REUSEPORT on
 * and SO_REUSEADDR off (Linux: SOL_SOCKET 1, SO_REUSEADDR 2, SO_REUSEPORT 15).
 */
const PERL_REUSEPORT =
  'open(my $s, "+<&=", 3) or exit 3; (setsockopt($s, 1, 15, 1) and setsockopt($s, 1, 2, 0)) and exit 0; ' +
  "for (keys %!) { if ($!{$_}) { print; last } } exit 1";

let perl: string | null | undefined;

function findPerl(): string | undefined {
  perl ??= findExecutable("perl", "/", process.env.PATH ?? "") ?? null;
  return perl ?? undefined;
}

/** How the helper ended: undefined (done), an errno name (`EADDRINUSE`), or what else went wrong. */
export type ListenOutcome = undefined | { readonly code: string; readonly detail?: string };

export function listenInChild(fd: number, backlog: number): Promise<ListenOutcome> {
  const found = findPerl();
  return runHelper(
    found ? [found, "-e", PERL_SCRIPT, String(backlog)] : [process.execPath, "-e", NODE_SCRIPT, String(backlog)],
    fd,
  );
}

/** Whether `reusePortInChild` can work here (a perl on PATH). */
export function canSetReusePort(): boolean {
  return findPerl() !== undefined;
}

/**
 * Set SO_REUSEPORT (and clear SO_REUSEADDR) on the bound socket `fd` from a
 * perl child, as the libc adapters do after their bind; undefined without perl.
 */
export function reusePortInChild(fd: number): Promise<ListenOutcome> | undefined {
  const found = findPerl();
  return found ? runHelper([found, "-e", PERL_REUSEPORT], fd) : undefined;
}

function runHelper(argv: readonly string[], fd: number): Promise<ListenOutcome> {
  return new Promise((resolve) => {
    const [program, ...args] = argv;
    // Its own process group: a Ctrl+C in the terminal signals the supervisor's
    // group, and must stop the supervisor, not fail the bind it is doing.
    const child = spawn(program!, args, { stdio: ["ignore", "pipe", "inherit", fd], env: {}, detached: true });
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", (cause) => resolve({ code: "EIO", detail: `cannot start ${program}: ${cause.message}` }));
    child.once("close", (code, signal) => {
      if (code === 0) resolve(undefined);
      else if (/^E[A-Z]+$/.test(out)) resolve({ code: out });
      else {resolve({
          code: "EIO",
          detail: `the socket helper (${program}) ended with ${signal ?? `exit code ${code}`}`,
        });}
    });
  });
}
