/**
 * citty flag definitions from the options table: each flag's help ends in
 * `[env NAME]` and `(default ...)` as the table gives them, so `--help`, the
 * parser and the environment lookup cannot disagree.
 */
import type { ArgDef, ArgsDef } from "citty";
import { onOff } from "../core/options/parse.ts";
import { type OptionName, OPTIONS, type OptionValues } from "../core/options/table.ts";

/** The service directory argument every launching command takes first. */
export const SERVICE_ARG = {
  service: {
    type: "positional",
    required: false,
    default: ".",
    description: "Directory holding bento.config.ts (.mts, .js, .mjs or .json)",
  },
} as const satisfies ArgsDef;

/** Flag definitions for `names` (env-only options have none); `defaults` are a mode's own. */
export function optionArgs(names: readonly OptionName[], defaults: OptionValues = {}): ArgsDef {
  const args: Record<string, ArgDef> = {};
  for (const name of names) {
    const row = OPTIONS[name] as (typeof OPTIONS)[OptionName] & {
      readonly envNegates?: boolean;
      readonly defaultText?: string;
      readonly hint?: string;
      readonly alias?: string;
      readonly aliases?: readonly string[];
      readonly bentoml?: string;
      readonly repeatable?: boolean;
    };
    if (!row.flag) continue;
    const env = row.env
      ? ` [env ${row.env}${row.envNegates ? "=1" : ""}${row.bentoml ? ` or ${row.bentoml}` : ""}]`
      : "";
    const value = (defaults as Record<string, unknown>)[name] ?? ("default" in row ? row.default : undefined);
    const shown = row.defaultText ?? (typeof value === "boolean" ? (value ? "on" : "off") : value);
    const description = `${row.help}${env}${shown === undefined ? "" : ` (default ${shown})`}`;
    args[name] = (row.parse as unknown) === onOff ? { type: "boolean", description } : {
      type: "string",
      description,
      valueHint: row.hint,
      ...(row.alias || row.aliases ? { alias: [row.alias ?? [], row.aliases ?? []].flat() } : {}),
      ...(row.repeatable ? { repeatable: true } : {}),
    };
  }
  return args;
}

/** The table's options among parsed args (a repeatable flag's every value from the raw argv). */
export function optionFlags(
  args: Readonly<Record<string, unknown>>,
  rawArgs: readonly string[],
  names: readonly OptionName[],
): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const name of names) {
    const row = OPTIONS[name] as { readonly repeatable?: boolean; readonly aliases?: readonly string[] };
    const value = row.repeatable
      ? [name, ...(row.aliases ?? [])].flatMap((spelling) => collectFlag(rawArgs, spelling))
      : args[name];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) flags[name] = value;
  }
  return flags;
}

/** Every value of a repeatable flag (`--name V`, `--name=V`), up to a `--`. */
export function collectFlag(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === `--${name}`) values.push(rawArgs[++i] ?? "");
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values;
}
