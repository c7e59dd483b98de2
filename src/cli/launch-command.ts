/**
 * A launching command (serve, the start-* commands) from its modes: flags
 * derived from the options table, a flag the chosen mode does not take
 * refused with the line that says why (exit 2), then the launch pipeline with
 * the terminal's output (timestamps, crash de-duplication, `--log-format json`)
 * and stop signals, and an exit code from the outcome.
 */
import type { ArgsDef, CommandDef } from "citty";
import { defineCommand } from "./_define-command.ts";
import { resolveOptions } from "../core/options/resolve.ts";
import type { OptionName } from "../core/options/table.ts";
import type { Mode } from "../launch/mode.ts";
import { runLaunch } from "../launch/pipeline.ts";
import { optionsTaken, refusedFlags } from "../launch/prepare.ts";
import { exitProcess } from "../launch/_exit-guard.ts";
import { listenForStop } from "../launch/_signals.ts";
import { optionArgs, optionFlags, SERVICE_ARG } from "./_option-args.ts";
import { describeEvent } from "./terminal/_event-line.ts";
import { fail } from "./terminal/_fail.ts";
import { logFormat, setLogFormat } from "./terminal/_log-format.ts";
import { createCliLogger } from "./terminal/_logger.ts";
import { createOutput, createRelayOutput, flushOutput } from "./terminal/_output.ts";
import { createWorkerOutput } from "./terminal/_worker-output.ts";
import { cliEnv } from "../launch/_secret-env.ts";

export interface LaunchCommandOptions {
  readonly name: string;
  readonly description: string;
  /** The modes it can run; `choose` picks one from the parsed args (default: the first). */
  readonly modes: readonly Mode<unknown>[];
  readonly choose?: (args: Readonly<Record<string, unknown>>) => Mode<unknown>;
  /** Flags of the command itself, not options of a mode (serve's --grpc). */
  readonly extraArgs?: ArgsDef;
}

/** A citty command, plus `refuse(flag)`: why none of its modes takes a table option (for the CLI's unknown-flag check). */
export type LaunchCommand = CommandDef<ArgsDef> & { refuse(name: string): string | undefined };

export function defineLaunchCommand(o: LaunchCommandOptions): LaunchCommand {
  const names = [...new Set(o.modes.flatMap((m) => optionsTaken(m)))];
  const first = o.modes[0]!;
  const args = {
    ...SERVICE_ARG,
    ...(o.extraArgs ?? {}),
    ...optionArgs(names, first.defaults?.({}) ?? {}),
  } as ArgsDef;
  const command = defineCommand({
    meta: { name: o.name, description: o.description },
    args,
    async run({ args: parsed, rawArgs }) {
      await runCommand(o, names, parsed as Record<string, unknown>, rawArgs);
      // Everything is stopped. Output that a stalled reader never took must not
      // keep the process alive (Node, Bun and Deno wait for queued pipe writes).
      await flushOutput(500);
      exitProcess();
    },
  });
  return Object.assign(command, {
    refuse: (name: string) => refusedFlags(first, { [name]: true })[0],
  });
}

async function runCommand(
  o: LaunchCommandOptions,
  names: readonly OptionName[],
  parsed: Record<string, unknown>,
  rawArgs: readonly string[],
): Promise<void> {
  const flags = optionFlags(parsed, rawArgs, names);
  const env = cliEnv();
  const cwd = process.cwd();
  const format = resolveOptions(["log-format"], { flags, env, cwd, serviceDir: cwd });
  if (format.isOk()) setLogFormat(format.value["log-format"] === "json" ? "json" : "text");
  else return fail(format.error);
  const mode = o.choose?.(parsed) ?? o.modes[0]!;
  const refused = refusedFlags(mode, flags);
  if (refused.length > 0) {
    return fail({ kind: "OptionInvalid", option: refused[0]!.split(" ")[0]!, message: refused.join("\n") });
  }
  const development = Boolean(flags.development);
  const logger = createCliLogger({ debug: Boolean(flags.debug) || development });
  const output = createWorkerOutput(createOutput());
  const stop = listenForStop(logger);
  try {
    const input = { serviceDir: String(parsed.service ?? "."), flags, env, cwd, logger };
    const done = await runLaunch(mode, input, {
      logger,
      output: output.line,
      // bento-kit/worker writes its access log to this process's stdout itself (docs/logs.md).
      directLog: { format: logFormat(), relay: createRelayOutput() },
      onEvent: (event) => {
        output.event(event);
        if (development) logger.debug(describeEvent(event));
      },
      stop,
      keeper: true,
    });
    if (done.isErr()) fail(done.error);
  } finally {
    output.flush();
    stop.release();
  }
}
