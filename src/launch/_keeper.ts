/**
 * The keeper: a tiny `sh` process that outlives a supervisor killed with
 * SIGKILL (the OOM killer, a crash, a CI timeout) and cleans up after it. The
 * supervisor holds the write end of the keeper's stdin and tells it each
 * worker's process group (it never forgets one: a group is only signalled while
 * its leader carries the instance's tag, so a reused id is safe, and reading a
 * line stays cheap with 1024 workers); when that pipe reaches EOF without a "done" line,
 * the supervisor died: the keeper sends SIGTERM to every worker group whose
 * leader still carries the instance's tag (a group id can be reused once its
 * worker is gone) and to every process tagged with the instance (those that
 * left their group), then SIGKILL a second later, and removes the run
 * directory. POSIX sh only: it
 * costs about 1 MB and nothing in the workers (gunicorn, uvicorn unmodified).
 */
import { startPipedChild } from "../runtime/piped-child.ts";
import type { Logger } from "../core/logger.ts";
import type { Supervisor } from "../core/supervisor.ts";

const KEEPER = `dir=$1; tag=$2; groups=" "
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    done) exit 0 ;;
  esac
done
tagged() { grep -lzsx -- "$tag" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3; }
mine() { grep -qzsx -- "$tag" /proc/$1/environ 2>/dev/null; }
for sig in TERM KILL; do
  pids=$(tagged); [ -n "$pids" ] && kill -s $sig $pids 2>/dev/null
  for g in $groups; do [ -d /proc/$g ] && mine $g && kill -s $sig -- -$g 2>/dev/null; done
  [ $sig = TERM ] && sleep 1
done
rm -rf -- "$dir"`;

export interface Keeper {
  watch(pgid: number): void;
  /** The supervisor stopped cleanly: the keeper exits without touching anything (resolves once it has, at most 1 s). */
  release(): Promise<void>;
}

export function startKeeper(runDir: string, instance: string): Keeper | undefined {
  const child = startPipedChild(["/bin/sh", "-c", KEEPER, "bento-kit-keeper", runDir, `BENTO_INSTANCE=${instance}`], {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  });
  if (!child) return undefined;
  return {
    watch: (pgid) => child.write(`+${pgid}\n`),
    release() {
      child.write("done\n");
      return child.end(1_000);
    },
  };
}

/**
 * Start the keeper for a supervisor's run dir and tell it every worker that
 * spawns; warns once when it cannot start.
 */
export function attachKeeper(
  supervisor: Supervisor,
  runDir: string,
  instance: string,
  logger: Logger,
): Keeper | undefined {
  const keeper = startKeeper(runDir, instance);
  if (!keeper) {
    logger.warn(
      "Cannot start the keeper (/bin/sh): if bento-kit is killed with SIGKILL, its workers will keep running",
    );
  }
  supervisor.on((e) => e.type === "spawn" && keeper?.watch(e.pid));
  return keeper;
}
