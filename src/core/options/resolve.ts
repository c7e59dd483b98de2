/**
 * Options from their sources, for the options a mode takes: flag >
 * environment variable > the manifest's `serve` defaults > the mode's
 * defaults > the table's default. Every problem is reported at once (one
 * OptionInvalid, a line per problem), as the manifest validator does. Pure:
 * the environment and the directories come in as values.
 */
import { err, ok, Result } from "neverthrow";
import { type OptionInvalid, optionInvalid } from "../errors.ts";
import { isTrue, type Origin } from "./parse.ts";
import { camelName, type OptionName, OPTIONS, type OptionValues } from "./table.ts";

type Env = Readonly<Record<string, string | undefined>>;

export interface OptionSources {
  /** Parsed flags by flag name (`api-workers`) or camelCase name (`apiWorkers`); a repeated flag as an array. */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Env;
  /** The manifest's `serve` defaults (camelCase keys); its relative paths are the service directory's. */
  readonly manifest?: Readonly<Record<string, unknown>>;
  /** The mode's own defaults (e.g. a runner server listens on 127.0.0.1 by default). */
  readonly defaults?: OptionValues;
  /** Where relative paths from flags and the environment start. */
  readonly cwd: string;
  readonly serviceDir: string;
}

export function resolveOptions<K extends OptionName>(
  names: readonly K[],
  sources: OptionSources,
): Result<OptionValues<K>, OptionInvalid> {
  const results = names.map((name) => resolveOne(name, sources).map((value) => [name, value] as const));
  return Result.combineWithAllErrors(results)
    .map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) as OptionValues<K>)
    .mapErr(allProblems);
}

/**
 * The environment with BentoML's names folded in: `BENTOML_PORT` is read as
 * `BENTO_PORT` when that is not set (ours wins when both are), for every
 * option the table gives a BentoML name.
 */
export function withBentoMLNames(env: Env): Env {
  const folded: Record<string, string | undefined> = { ...env };
  for (const row of Object.values(OPTIONS) as { readonly env?: string; readonly bentoml?: string }[]) {
    if (row.env === undefined || row.bentoml === undefined) continue;
    const theirs = env[row.bentoml];
    if ((env[row.env] ?? "") === "" && theirs !== undefined && theirs !== "") folded[row.env] = theirs;
  }
  return folded;
}

/** Several option problems as one error: the first one's kind and option, every message on its own line. */
export function allProblems(problems: readonly OptionInvalid[]): OptionInvalid {
  return { ...problems[0]!, message: problems.map((p) => p.message).join("\n") };
}

function resolveOne(name: OptionName, s: OptionSources): Result<unknown, OptionInvalid> {
  const row = OPTIONS[name] as (typeof OPTIONS)[OptionName] & { readonly envNegates?: boolean };
  const camel = camelName(name);
  const raw = s.flags[name] ?? s.flags[camel];
  if (row.flag && raw !== undefined) {
    const flag = Array.isArray(raw) ? raw.join(" ") : raw;
    if (flag === "") return err(optionInvalid(`--${name}`, `needs a value, e.g. --${name} ${example(name)}`));
    return parseWith(name, flag as string | boolean, { name: `--${name}`, from: "flag", base: s.cwd });
  }
  const fromEnv = row.env === undefined ? undefined : s.env[row.env];
  if (fromEnv !== undefined && fromEnv !== "" && !(row.envNegates && !isTrue(fromEnv))) {
    if (row.envNegates) return ok(false);
    return parseWith(name, fromEnv, { name: row.env!, from: "env", base: s.cwd });
  }
  const fromManifest = "manifest" in row && row.manifest ? s.manifest?.[camel] : undefined;
  if (fromManifest !== undefined) {
    return parseWith(name, fromManifest as string, { name: `serve.${camel}`, from: "manifest", base: s.serviceDir });
  }
  const own = (s.defaults as Record<string, unknown> | undefined)?.[name];
  return ok(own !== undefined ? own : "default" in row ? row.default : undefined);
}

function parseWith(name: OptionName, raw: string | number | boolean, origin: Origin): Result<unknown, OptionInvalid> {
  return (OPTIONS[name].parse as (r: typeof raw, o: Origin) => Result<unknown, OptionInvalid>)(raw, origin);
}

function example(name: OptionName): string {
  const row = OPTIONS[name];
  return "default" in row && typeof row.default === "number" && row.default > 0
    ? String(row.default)
    : ("hint" in row && row.hint) || "VALUE";
}
