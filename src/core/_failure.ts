import { workerArgv } from "./spawn-request.ts";
import type { WatcherSpec } from "./types.ts";

/**
 * The command and the last stderr lines of a failed worker, for the give-up
 * report. `argv` is what the worker really ran (placeholders expanded), when known.
 */
export function describeFailure(spec: WatcherSpec, stderrTail: readonly string[], argv?: readonly string[]): string {
  const command = argv
    ? workerArgv(argv).join(" ")
    : spec.command.kind === "argv"
    ? spec.command.argv.join(" ")
    : `module ${spec.command.module} ${spec.command.args.join(" ")}`;
  const tail = stderrTail.length
    ? `\n  last stderr lines:\n${stderrTail.map((l) => `    ${l}`).join("\n")}`
    : "\n  (it wrote nothing to stderr)";
  return `\n  command: ${command.trim()}${tail}`;
}
