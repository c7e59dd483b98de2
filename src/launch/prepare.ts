/**
 * The first half of the launch pipeline, the same for every mode: load the
 * manifest → resolve and check every option (one report of every problem) →
 * check TLS once → plan the launch spec and the plugins. `planLaunchOf` binds
 * and starts nothing (export, bento-kit/testing's pure helpers); the pipeline
 * then makes the run dir and runs the preflight checks (`prepareLaunch`).
 */
import { err, ok, type Result } from "neverthrow";
import type { BentoError, OptionInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { validateManifest } from "../core/manifest.ts";
import { absolutePath } from "../core/options/parse.ts";
import { allProblems, resolveOptions, withBentoMLNames } from "../core/options/resolve.ts";
import { camelName, type OptionName, OPTIONS, optionsOf, type OptionValues } from "../core/options/table.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import { serveOptionsOf } from "../core/serve-options.ts";
import type { BuildContext } from "../core/serve-spec.ts";
import type { LaunchSpec } from "../core/types.ts";
import { monitoringPlugin } from "../../plugins/monitoring.ts";
import { TLS_PLACEHOLDERS, tlsPlugin } from "../../plugins/tls.ts";
import { type AdminSettings, adminSettingsOf } from "./_admin-settings.ts";
import { loadService, resolveModules } from "./_load-manifest.ts";
import { checkLaunchTls, type LaunchTls } from "./_tls.ts";
import type { CommonOptions, LoadedService, Mode } from "./mode.ts";

type Env = Readonly<Record<string, string | undefined>>;

export interface LaunchInput {
  /** The service directory (relative to `cwd`). */
  readonly serviceDir: string;
  /** The manifest as an object instead of the directory's `bento.config.*` (bento-kit/testing). */
  readonly manifest?: unknown;
  /** Parsed flags by flag name; a repeated flag as an array. */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Env;
  readonly cwd: string;
  /** Plugins after the service's own (bento-kit/testing). */
  readonly plugins?: readonly BentoPlugin[];
  readonly logger: Logger;
}

export interface LaunchOptions<O = unknown> extends CommonOptions {
  readonly mode: O;
  readonly tlsSettings: LaunchTls;
  readonly admin: AdminSettings | null;
}

export interface LaunchPlan<O = unknown> {
  readonly loaded: LoadedService;
  readonly options: LaunchOptions<O>;
  readonly spec: LaunchSpec;
  /** Every plugin, in order: the mode's, TLS, monitoring, the service's, then the caller's. */
  readonly plugins: readonly BentoPlugin[];
}

/** The options a mode takes, from its groups. */
export function optionsTaken(mode: Mode<unknown>): OptionName[] {
  return optionsOf(mode.groups).filter((name) => {
    const only = mode.only?.[OPTIONS[name].group];
    return only === undefined || only.includes(name);
  });
}

/** Loads the manifest (or validates the one given) with the placeholders the built-in and given plugins add. */
export async function loadLaunch(input: LaunchInput, fresh?: number): Promise<Result<LoadedService, BentoError>> {
  const placeholders = [...TLS_PLACEHOLDERS, ...(input.plugins ?? []).flatMap((p) => p.placeholders ?? [])];
  if (input.manifest === undefined) return await loadService(input.serviceDir, { placeholders, fresh });
  const dir = absolutePath(input.cwd, input.serviceDir);
  return validateManifest(input.manifest, "manifest", { placeholders })
    .map((service) => ({ service: resolveModules(service, dir), dir }));
}

/** Every option of the mode, resolved and checked; TLS checked once. Nothing is made. */
export function resolveLaunchOptions<O>(
  mode: Mode<O>,
  loaded: LoadedService,
  input: LaunchInput,
): Result<LaunchOptions<O>, BentoError> {
  const names = optionsTaken(mode as Mode<unknown>);
  const ignored = new Set(mode.ignoresManifest ?? []);
  const manifest = Object.fromEntries(Object.entries(loaded.service.serve ?? {}).filter(([k]) => !ignored.has(k)));
  const env = withBentoMLNames(input.env);
  const sources = { flags: input.flags, env, manifest, cwd: input.cwd, serviceDir: loaded.dir };
  const first = resolveOptions(names, sources);
  const values = first.isOk() && mode.defaults
    ? resolveOptions(names, { ...sources, defaults: mode.defaults(first.value) })
    : first;
  const own = mode.options(values.unwrapOr({}), loaded, { flags: input.flags, env });
  if (values.isErr() || own.isErr()) {
    const problems = [values, own].flatMap((r) => (r.isErr() ? [r.error as OptionInvalid] : []));
    return err(problems.length === 1 ? problems[0]! : allProblems(problems));
  }
  const v: OptionValues = values.value;
  // A caller's own bento:tls plugin (bento-kit/testing) replaces the built-in one and its options.
  const takesTls = names.includes("ssl-certfile") && !hasOwnTls(input.plugins);
  const tls = checkLaunchTls(v, input.flags, { logger: input.logger, takesTls });
  if (tls.isErr()) return err(tls.error);
  const admin = names.includes("admin") ? adminSettingsOf(v) : ok(null);
  if (admin.isErr()) return err(admin.error);
  return ok({
    values: v,
    serve: serveOptionsOf(v, loaded.dir),
    metrics: names.includes("metrics") && v.metrics !== false,
    tls: tls.value.checked !== undefined,
    mode: own.value,
    tlsSettings: tls.value,
    admin: admin.value,
  });
}

/** The launch spec and plugins of a mode, from resolved options; pure once the options are known. */
export function planLaunchOf<O>(
  mode: Mode<O>,
  loaded: LoadedService,
  options: LaunchOptions<O>,
  o: { readonly ctx: BuildContext; readonly plugins?: readonly BentoPlugin[] },
): Result<LaunchPlan<O>, BentoError> {
  const plugins = [
    ...mode.plugins(options),
    // A getter: a certificate rotation replaces the checked settings the plugin shapes the spec with.
    ...(hasOwnTls(o.plugins) ? [] : [tlsPlugin({
      get checked() {
        return options.tlsSettings.checked;
      },
    })]),
    ...(options.metrics ? [monitoringPlugin()] : []),
    ...loaded.service.plugins,
    ...(o.plugins ?? []),
  ];
  return mode.buildSpec(loaded, options, o.ctx).map((spec) => ({ loaded, options, spec, plugins }));
}

/** The flags given that the mode does not take, each with the line that says why. */
export function refusedFlags(mode: Mode<unknown>, flags: Readonly<Record<string, unknown>>): string[] {
  const taken = new Set<string>(optionsTaken(mode));
  return (Object.keys(OPTIONS) as OptionName[])
    .filter((name) => OPTIONS[name].flag && !taken.has(name))
    .filter((name) => flags[name] !== undefined || flags[camelName(name)] !== undefined)
    .map((name) => {
      const why = mode.refusals?.[OPTIONS[name].group] ?? `it is not an option of ${mode.name}`;
      return `--${name} is refused by ${mode.name}: ${why}`;
    });
}

function hasOwnTls(plugins: readonly BentoPlugin[] | undefined): boolean {
  return (plugins ?? []).some((p) => p.name === "bento:tls");
}
