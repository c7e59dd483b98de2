/**
 * bento-kit as PID 1 (a container started without `--init`): the orphaned
 * processes of the namespace are re-parented to PID 1, which must reap them,
 * or they stay zombies (an entry in the process table each, until the pid
 * space runs out). See docs/containers.md.
 *
 * - Bun and Deno reap in-process through libc (src/runtime/libc/_reaper.ts).
 * - Node cannot: libuv only waits for the pids it spawned, and Node 20 has no
 *   FFI, prctl or exec. So this Node process stays a thin PID 1 and starts
 *   `perl` as a *child subreaper* (prctl PR_SET_CHILD_SUBREAPER), which starts
 *   the real supervisor: orphans below the supervisor are re-parented to perl,
 *   not to PID 1, and perl reaps them. perl-base is in every Debian image.
 *   PID 1 forwards SIGINT, SIGTERM and SIGHUP to perl, perl forwards them to
 *   the supervisor, and both exit with the supervisor's exit code. perl runs in
 *   a session of its own, so a Ctrl+C in the terminal (sent to the foreground
 *   process group, which is PID 1's) reaches the supervisor once, through the
 *   forwarding, never a second time directly (which would mean "kill now").
 * - Without perl, or on an architecture whose prctl syscall number is not
 *   known here, one warning and the supervisor runs as PID 1 unchanged.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { findExecutable } from "../runtime/shared/_which.ts";
import { createCliLogger } from "./terminal/_logger.ts";
import { hiddenEnv } from "../launch/_secret-env.ts";

/** prctl's syscall number per `process.arch` (asm-generic 167; x86_64 157; arm, i386, s390x 172; powerpc 171). */
export const SYS_PRCTL: Readonly<Record<string, number>> = {
  x64: 157,
  arm64: 167,
  riscv64: 167,
  loong64: 167,
  arm: 172,
  ia32: 172,
  s390x: 172,
  ppc64: 171,
};

/** Commands that run a service (and so may be PID 1 in a container). */
const LONG_RUNNING = /^(serve|start-.*)$/;

/**
 * perl -e REAPER SYS_PRCTL PROGRAM ARGS...: becomes a child subreaper
 * (PR_SET_CHILD_SUBREAPER = 36), runs PROGRAM as its child, forwards INT, TERM
 * and HUP to it, reaps every child (its own and adopted ones), and exits with
 * PROGRAM's exit code (128 + N when a signal N ended it). Plain perl, no
 * modules: it runs on perl-base and on any perl 5. Signal handlers that catch
 * (not ignore) are reset by exec, so the supervisor starts with the defaults.
 */
export const PERL_REAPER = String.raw`
$0 = "bento-kit reaper (perl)";
my ($nr, @cmd) = @ARGV;
my $me = "bento-kit (PID 1)";
if (syscall(0 + $nr, 36, 1, 0, 0, 0) != 0) {
  print STDERR "$me: WARNING: perl could not become a child subreaper ($!): orphaned processes will stay zombies\n";
  exec { $cmd[0] } @cmd or die "$me: cannot start $cmd[0]: $!\n";
}
my ($child, @pending) = (0);
for my $s (qw(INT TERM HUP)) { $SIG{$s} = sub { $child ? kill($s, $child) : push(@pending, $s) } }
my $pid = fork;
die "$me: cannot fork: $!\n" unless defined $pid;
if ($pid == 0) {
  $SIG{$_} = "DEFAULT" for qw(INT TERM HUP);
  exec { $cmd[0] } @cmd;
  print STDERR "$me: cannot start $cmd[0]: $!\n";
  exit 127;
}
$child = $pid;
kill($_, $child) for splice(@pending);
while ((my $dead = wait) > 0) {
  next unless $dead == $child;
  my $st = $?;
  exit(($st & 127) ? 128 + ($st & 127) : $st >> 8);
}
exit 1;
`;

export type InitMode = "not-pid1" | "wrapped" | "reaping" | "unreaped";

/**
 * Called first thing by the entry points (bin/bento-kit.mjs, mod.ts). When
 * this process is PID 1 and runs a service: "wrapped" (Node: a child now runs
 * the supervisor, this process only forwards signals and exits with its code;
 * the caller must not run the CLI), "reaping" (Bun, Deno: the reaper runs,
 * go on) or "unreaped" (warned: no way to reap here, go on).
 */
export async function asInit(argv: readonly string[] = process.argv.slice(2)): Promise<InitMode> {
  if (process.pid !== 1 || !LONG_RUNNING.test(argv[0] ?? "")) return "not-pid1";
  const logger = createCliLogger();
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined || g.Deno !== undefined) {
    const runtime = g.Deno !== undefined ? "deno" : "bun";
    try {
      const { libcWaitPid, startReaper } = await import("../runtime/libc/_reaper.ts");
      startReaper(await libcWaitPid(runtime));
      logger.info("Running as PID 1: orphaned processes are reaped (waitpid through libc)");
      return "reaping";
    } catch (cause) {
      logger.warn(
        `Running as PID 1: cannot load waitpid from libc (${
          cause instanceof Error ? cause.message : String(cause)
        }), ` +
          "so orphaned processes will stay zombies; run the container with an init (docker run --init, tini)",
      );
      return "unreaped";
    }
  }
  const nr = SYS_PRCTL[process.arch];
  const perl = findExecutable("perl", process.cwd(), process.env.PATH ?? "/usr/bin:/bin");
  if (nr === undefined || perl === undefined) {
    const why = perl === undefined
      ? "perl is not installed"
      : `the prctl syscall number on ${process.arch} is not known`;
    logger.warn(
      `Running as PID 1 under Node, and ${why}: orphaned processes will stay zombies; ` +
        "run the container with an init (docker run --init, tini), or install perl, or run bento-kit with Bun or Deno",
    );
    return "unreaped";
  }
  return wrapInPerl(perl, nr, logger);
}

function wrapInPerl(perl: string, nr: number, logger: ReturnType<typeof createCliLogger>): Promise<InitMode> {
  const child = spawn(perl, [
    "-e",
    PERL_REAPER,
    String(nr),
    process.execPath,
    ...process.execArgv,
    ...process.argv.slice(1),
  ], {
    stdio: "inherit",
    // This CLI again: it gets the secrets the entry point took out of the environment.
    env: { ...process.env, ...hiddenEnv() },
    // A session of its own: the terminal's Ctrl+C reaches only PID 1, which forwards it once.
    detached: true,
  });
  const forward = (signal: NodeJS.Signals) => void child.kill(signal);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.once("error", (cause) => {
      for (const s of signals) process.off(s, forward);
      logger.warn(
        `Running as PID 1: cannot start perl as the reaper (${cause.message}): orphaned processes will stay zombies`,
      );
      resolve("unreaped");
    });
    child.once("spawn", () => {
      // The entry point's "exit now" handlers: this process forwards from now on.
      (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for("bento-kit.early-stop")]?.();
      child.once("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
      logger.info(
        `Running as PID 1: the supervisor runs under perl (pid ${child.pid}), a child subreaper that reaps orphaned processes`,
      );
      resolve("wrapped");
    });
  });
}
