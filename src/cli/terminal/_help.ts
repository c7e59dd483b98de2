/**
 * `--help` that fits the terminal: the description and every option's help
 * wrapped to the width (COLUMNS, the console's, else 80), options grouped by
 * what they configure (the options table's groups: server, runners, TLS, gRPC,
 * metrics, admin server, logs, development).
 */
import type { ArgDef, ArgsDef } from "citty";
import { type OptionGroup, OPTIONS } from "../../core/options/table.ts";

export interface HelpSubject {
  readonly name: string;
  readonly description?: string;
  readonly args?: ArgsDef;
}

const TITLES: Record<OptionGroup | "other", string> = {
  listen: "Server",
  "api-workers": "Server",
  worker: "Workers",
  "runner-sockets": "Runners",
  "remote-runners": "Runners",
  "runner-server": "Runners",
  tls: "TLS",
  grpc: "gRPC",
  "grpc-metrics": "gRPC",
  metrics: "Metrics",
  admin: "Admin server",
  log: "Logs",
  development: "Development",
  production: "Development",
  other: "Options",
};

/** Help of one command (`bento-kit serve --help`). */
export function renderCommandHelp(program: string, command: HelpSubject, width: number): string {
  const args = Object.entries(command.args ?? {}) as [string, ArgDef][];
  const positionals = args.filter(([, d]) => d.type === "positional");
  const flags = args.filter(([, d]) => d.type !== "positional");
  const usage = [program, command.name, ...positionals.map(([n]) => `[${n.toUpperCase()}]`), "[OPTIONS]"].join(" ");
  const out = [...wrap(command.description ?? "", width), "", `Usage: ${usage}`];
  if (positionals.length > 0) {
    out.push("", "Arguments:");
    out.push(...table(positionals.map(([n, d]) => [n.toUpperCase(), describe(d)]), width));
  }
  const groups = new Map<string, [string, string][]>();
  for (const [name, def] of flags) {
    const title = TITLES[(OPTIONS as Record<string, { group: OptionGroup }>)[name]?.group ?? "other"];
    groups.set(title, [...(groups.get(title) ?? []), [flagLabel(name, def), describe(def)]]);
  }
  const column = columnFor([...groups.values()].flat());
  for (const [title, rows] of groups) out.push("", `${title}:`, ...table(rows, width, column));
  return `${out.join("\n")}\n`;
}

/** The top-level help: the commands and what each does. */
export function renderProgramHelp(
  program: string,
  description: string,
  commands: readonly HelpSubject[],
  width: number,
): string {
  const out = [...wrap(description, width), "", `Usage: ${program} COMMAND [OPTIONS]`, "", "Commands:"];
  out.push(...table(commands.map((c) => [c.name, c.description ?? ""]), width));
  out.push(
    "",
    ...wrap(`Run "${program} COMMAND --help" for a command's options, "${program} --version" for the version.`, width),
  );
  return `${out.join("\n")}\n`;
}

/** The width to wrap to: COLUMNS, else the console's, else 80 (at least 40). */
export function helpWidth(): number {
  const fromEnv = Number(readColumns());
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.max(40, fromEnv);
  const deno = (globalThis as { Deno?: { consoleSize?: () => { columns: number } } }).Deno;
  try {
    const columns = deno?.consoleSize?.().columns ?? (process.stdout.isTTY ? process.stdout.columns : undefined);
    if (columns && columns > 0) return Math.max(40, columns);
  } catch { /* not a terminal */ }
  return 80;
}

/** COLUMNS without asking Deno for an env permission `--help` should not need. */
function readColumns(): string | undefined {
  const deno = (globalThis as { Deno?: { permissions: { querySync(d: object): { state: string } } } }).Deno;
  if (deno && deno.permissions.querySync({ name: "env", variable: "COLUMNS" }).state !== "granted") return undefined;
  return process.env.COLUMNS;
}

function flagLabel(name: string, def: ArgDef): string {
  const aliases = [("alias" in def ? def.alias : undefined) ?? []].flat();
  const short = aliases.filter((a) => a.length === 1).map((a) => `-${a}, `).join("");
  const long = aliases.filter((a) => a.length > 1).map((a) => `, --${a}`).join("");
  const hint = def.type === "string" ? ` ${("valueHint" in def && def.valueHint) || "VALUE"}` : "";
  const onByDefault = (OPTIONS as Record<string, { default?: unknown }>)[name]?.default === true;
  const negation = def.type === "boolean" && onByDefault ? `, --no-${name}` : "";
  return `${short}--${name}${negation}${long}${hint}`;
}

function describe(def: ArgDef): string {
  const text = def.description ?? "";
  const dflt = "default" in def && def.default !== undefined && !/\(default /.test(text)
    ? ` (default ${def.default})`
    : "";
  return `${text}${dflt}`;
}

/** The label column: as wide as the widest label, at most 30. */
function columnFor(rows: readonly (readonly [string, string])[]): number {
  return Math.min(30, Math.max(0, ...rows.map(([label]) => label.length)) + 2);
}

/** Two columns: labels padded to `column`, text wrapped beside them (a longer label gets its own line). */
function table(rows: readonly (readonly [string, string])[], width: number, column = columnFor(rows)): string[] {
  const indent = " ".repeat(column + 2);
  const lines: string[] = [];
  for (const [label, text] of rows) {
    const body = wrap(text, Math.max(20, width - column - 2));
    if (label.length + 2 > column) lines.push(`  ${label}`, ...body.map((l) => `${indent}${l}`));
    else lines.push(`  ${label.padEnd(column)}${body[0] ?? ""}`, ...body.slice(1).map((l) => `${indent}${l}`));
  }
  return lines;
}

/** Words in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
