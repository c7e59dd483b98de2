/**
 * The bento-kit CLI: parse, call the library, print, exit with a meaningful
 * code (2 for usage and config errors, 1 for runtime failures).
 */
import { stripVTControlCharacters } from "node:util";
import { type ArgsDef, type CommandDef, parseArgs, renderUsage, runCommand } from "citty";
import { eventsCommand } from "./events.ts";
import { restartCommand } from "./restart.ts";
import { scaleCommand } from "./scale.ts";
import { serveCommand } from "./serve.ts";
import { statusCommand } from "./status.ts";
import { stopCommand } from "./stop.ts";
import { VERSION } from "./_version.ts";

const COMMANDS: Record<string, CommandDef<any>> = {
  serve: serveCommand,
  status: statusCommand,
  scale: scaleCommand,
  restart: restartCommand,
  stop: stopCommand,
  events: eventsCommand,
};

const main = {
  meta: { name: "bento-kit", version: VERSION, description: "Start and supervise the processes of a model-serving service" },
  subCommands: COMMANDS,
} satisfies CommandDef;

export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") return void console.log(VERSION);
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    return printUsage(await renderUsage(main));
  }
  const command = COMMANDS[first];
  if (!command) return usageError(`Unknown command "${first}": run "bento-kit --help" to see the commands`);
  if (rest.includes("--help") || rest.includes("-h")) return printUsage(await renderUsage(command, main));
  const unknown = unknownFlag(rest, (command.args ?? {}) as ArgsDef);
  if (unknown) return usageError(`Unknown option ${unknown}: run "bento-kit ${first} --help" to see the options`);
  const valued = valuedSwitch(rest, (command.args ?? {}) as ArgsDef);
  if (valued) {
    const [flag = "", ...value] = valued.split("=");
    const name = flag.replace(/^--(no-)?/, "");
    return usageError(`${flag} takes no value, got "${value.join("=")}": use --${name} or --no-${name}`);
  }
  const extra = extraArgument(rest, (command.args ?? {}) as ArgsDef);
  if (extra) return usageError(`Unexpected argument "${extra}": run "bento-kit ${first} --help" to see the usage`);
  await runCommand(command, { rawArgs: [...rest] });
}

function usageError(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 2;
}

/** The first `--flag` that the command does not define (citty ignores them silently). */
function unknownFlag(args: readonly string[], defs: ArgsDef): string | undefined {
  const known = new Set<string>();
  for (const [name, def] of Object.entries(defs)) {
    const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    known.add(kebab).add(name);
    if (def.type === "boolean") known.add(`no-${kebab}`);
    for (const alias of ["alias" in def ? def.alias ?? [] : []].flat()) known.add(alias);
  }
  for (const arg of args) {
    if (arg === "--") break;
    const match = /^--?([^=]+)/.exec(arg);
    if (match && !known.has(match[1]!)) return arg.split("=")[0];
  }
  return undefined;
}

/** The first positional argument beyond those the command takes. */
function extraArgument(args: readonly string[], defs: ArgsDef): string | undefined {
  const positional = Object.values(defs).filter((d) => d.type === "positional").length;
  return parseArgs([...args], defs)._[positional];
}

/** Usage in colour on a terminal, plain text in a pipe or a file. */
function printUsage(text: string): void {
  console.log(process.stdout.isTTY ? text : stripVTControlCharacters(text));
}

/** A switch written with a value (`--unix-sockets=maybe`), which citty would read as true. */
function valuedSwitch(args: readonly string[], defs: ArgsDef): string | undefined {
  const switches = Object.entries(defs).filter(([, d]) => d.type === "boolean").map(([name]) => name);
  return args.find((arg) => {
    const m = /^--(?:no-)?([^=]+)=/.exec(arg);
    return m !== null && switches.includes(m[1]!);
  });
}
