/**
 * The bento-kit CLI: parse, call the library, print, exit with a meaningful
 * code (2 for usage and config errors, 1 for runtime failures).
 */
import type { ArgsDef, CommandDef } from "citty";
import { helpWidth, renderCommandHelp, renderProgramHelp } from "./terminal/_help.ts";
import { VERSION } from "../version.ts";

// deno-lint-ignore no-explicit-any -- each command has its own args type and citty's CommandDef is invariant in it
type LoadCommand = () => Promise<CommandDef<any>>;

/** Each command's module is loaded only when it runs (or for --help): `serve` never loads export, gRPC or admin-client code. */
const COMMANDS: Record<string, LoadCommand> = {
  new: () => import("./commands/new.ts").then((m) => m.newCommand),
  serve: () => import("./commands/serve.ts").then((m) => m.serveCommand),
  "serve-http": () => import("./commands/serve.ts").then((m) => m.serveHttpCommand),
  "serve-grpc": () => import("./commands/serve.ts").then((m) => m.serveGrpcCommand),
  "start-runner-server": () => import("./commands/start-runner-server.ts").then((m) => m.startRunnerServerCommand),
  "start-http-server": () => import("./commands/start-http-server.ts").then((m) => m.startHttpServerCommand),
  "start-grpc-server": () => import("./commands/start-grpc-server.ts").then((m) => m.startGrpcServerCommand),
  status: () => import("./commands/status.ts").then((m) => m.statusCommand),
  scale: () => import("./commands/scale.ts").then((m) => m.scaleCommand),
  restart: () => import("./commands/restart.ts").then((m) => m.restartCommand),
  reload: () => import("./commands/reload.ts").then((m) => m.reloadCommand),
  stop: () => import("./commands/stop.ts").then((m) => m.stopCommand),
  upgrade: () => import("./commands/upgrade.ts").then((m) => m.upgradeCommand),
  events: () => import("./commands/events.ts").then((m) => m.eventsCommand),
  export: () => import("./commands/export.ts").then((m) => m.exportCommand),
};

const main = {
  meta: {
    name: "bento-kit",
    version: VERSION,
    description: "Start and supervise the processes of a model-serving service",
  },
  subCommands: COMMANDS,
} satisfies CommandDef;

export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") return void console.log(VERSION);
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const commands = await Promise.all(
      Object.entries(COMMANDS).map(async ([name, load]) => ({
        name,
        description: ((await load()).meta as { description?: string } | undefined)?.description,
      })),
    );
    return printUsage(renderProgramHelp("bento-kit", main.meta.description, commands as never, helpWidth()));
  }
  const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!load) return usageError(`Unknown command "${first}": run "bento-kit --help" to see the commands`);
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    const meta = command.meta as { description?: string } | undefined;
    const subject = { name: first, description: meta?.description, args: command.args as ArgsDef };
    return printUsage(renderCommandHelp("bento-kit", subject, helpWidth()));
  }
  const unknown = unknownFlag(rest, (command.args ?? {}) as ArgsDef);
  const refused = unknown && (command as { refuse?: (name: string) => string | undefined }).refuse?.(
    unknown.replace(/^--?(no-)?/, ""),
  );
  if (refused) return usageError(refused);
  if (unknown) return usageError(`Unknown option ${unknown}: run "bento-kit ${first} --help" to see the options`);
  const repeated = repeatedFlag(rest, (command.args ?? {}) as ArgsDef);
  if (repeated) {
    const values = repeated.values.map((v) => JSON.stringify(v)).join(" and ");
    return usageError(`${repeated.flag} is given more than once (${values}): give it once`);
  }
  const valued = valuedSwitch(rest, (command.args ?? {}) as ArgsDef);
  if (valued) {
    const [flag = "", ...value] = valued.split("=");
    const name = flag.replace(/^--(no-)?/, "");
    return usageError(`${flag} takes no value, got "${value.join("=")}": use --${name} or --no-${name}`);
  }
  const { parseArgs, runCommand } = await import("citty");
  const positional = positionalProblem(rest, (command.args ?? {}) as ArgsDef, parseArgs);
  if (positional) return usageError(`${positional}: run "bento-kit ${first} --help" to see the usage`);
  await runCommand(command, { rawArgs: [...rest] });
}

function usageError(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 2;
}

/** Each spelling of a flag (`api-workers`, `apiWorkers`, `no-debug`, alias `p`) to its definition's name. */
function flagNames(defs: ArgsDef): Map<string, string> {
  const known = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    known.set(kebab, name).set(name, name);
    if (def.type === "boolean") known.set(`no-${kebab}`, name);
    for (const alias of ["alias" in def ? def.alias ?? [] : []].flat()) known.set(alias, name);
  }
  return known;
}

/**
 * The first `--flag` that the command does not define (citty ignores them
 * silently). The word after a flag that takes a value is that value, even
 * when it starts with "-" (`--port -1`).
 */
function unknownFlag(args: readonly string[], defs: ArgsDef): string | undefined {
  const known = flagNames(defs);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    const match = /^--?([^=]+)(=?)/.exec(arg);
    if (!match) continue;
    const name = known.get(match[1]!);
    if (name === undefined) return arg.split("=")[0];
    if (defs[name]!.type === "string" && match[2] === "") i++;
  }
  return undefined;
}

/**
 * A flag that takes one value, given twice (`--host a --host b`): citty would
 * keep the last silently. A definition marked `repeatable` (`--depends`)
 * collects its values itself.
 */
function repeatedFlag(args: readonly string[], defs: ArgsDef): { flag: string; values: string[] } | undefined {
  const known = flagNames(defs);
  const seen = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    const name = match && known.get(match[1]!);
    if (!match || !name || defs[name]!.type !== "string" || (defs[name] as { repeatable?: boolean }).repeatable) {
      continue;
    }
    const value = match[2] ?? args[++i] ?? "";
    const values = [...(seen.get(name) ?? []), value];
    seen.set(name, values);
    if (values.length > 1) return { flag: `--${name}`, values };
  }
  return undefined;
}

/**
 * The first positional argument beyond those the command takes, or the first
 * required one not given (citty would throw its own error, with a stack trace).
 */
function positionalProblem(
  args: readonly string[],
  defs: ArgsDef,
  parseArgs: typeof import("citty").parseArgs,
): string | undefined {
  const positionals = Object.entries(defs).filter(([, d]) => d.type === "positional");
  const optional = Object.fromEntries(
    Object.entries(defs).map(([name, d]) => [name, d.type === "positional" ? { ...d, required: false } : d]),
  );
  const given = parseArgs([...args], optional as ArgsDef)._;
  if (given.length > positionals.length) return `Unexpected argument "${given[positionals.length]}"`;
  const missing = positionals.slice(given.length).find(([, d]) => d.required === true && d.default === undefined);
  if (!missing) return undefined;
  const [name, def] = missing;
  const hint = ("valueHint" in def && def.valueHint) || name.toUpperCase();
  const what = def.description ? `, ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}` : "";
  return `Missing ${hint}${what}`;
}

/** Help text (plain: it is wrapped to the terminal's width, colours would miscount it). */
function printUsage(text: string): void {
  process.stdout.write(text);
}

/** A switch written with a value (`--unix-sockets=maybe`), which citty would read as true. */
function valuedSwitch(args: readonly string[], defs: ArgsDef): string | undefined {
  const switches = Object.entries(defs).filter(([, d]) => d.type === "boolean").map(([name]) => name);
  return args.find((arg) => {
    const m = /^--(?:no-)?([^=]+)=/.exec(arg);
    return m !== null && switches.includes(m[1]!);
  });
}
