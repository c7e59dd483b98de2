/**
 * A launch spec from a manifest object, through the launch pipeline `serve`
 * runs (src/launch/): manifest validation, every option (flags > env > the
 * manifest's `serve` defaults), serve's plan, then the plugins' `launchSpec`
 * waterfall with every plugin in serve's order (runner map, TLS, monitoring
 * unless `flags.metrics` is false, the service's, then the test's). Pure:
 * nothing is created, bound or started.
 */
import { resolve } from "node:path";
import { err, type Result } from "neverthrow";
import type { BentoError } from "../core/errors.ts";
import { type ServiceDef, validateManifest } from "../core/manifest.ts";
import { planLaunch } from "../core/plan.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import type { ServeFlags } from "../core/serve-options.ts";
import { createSilentLogger, type Logger } from "../core/logger.ts";
import type { LaunchSpec } from "../core/types.ts";
import { resolveModules } from "../launch/_load-manifest.ts";
import { serveHttpMode } from "../launch/plans/serve-http.ts";
import { planLaunchOf, resolveLaunchOptions } from "../launch/prepare.ts";
import { TLS_PLACEHOLDERS } from "../../plugins/tls.ts";

export interface LaunchSpecOptions {
  /** The service directory: module paths and the working dir resolve from it (default: the current dir). */
  readonly dir?: string;
  /**
   * Flags as `serve` takes them, by flag or camelCase name, e.g. `{ port: "0", apiWorkers: "2" }`;
   * `{ metrics: false }` leaves the monitoring plugin out, `{ sslCertfile: ... }` turns TLS on.
   */
  readonly flags?: ServeFlags | Readonly<Record<string, unknown>>;
  /** The supervisor's environment as the spec sees it (default: none, so the spec is the same on every machine). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The CPU count the API pool's default size follows (default 2). */
  readonly cpuCount?: number;
  /** The instance's private directory (default `/tmp/bento-kit-test`; nothing is created there). */
  readonly runDir?: string;
  /** Plugins after the manifest's own. */
  readonly plugins?: readonly BentoPlugin[];
  readonly logger?: Logger;
}

/** What `serve` would run for `manifest`, before any plugin: the spec and every plugin in `serve`'s order. */
export function serveSpecFor(manifest: unknown, options: LaunchSpecOptions = {}): Result<ServeSpec, BentoError> {
  const dir = resolve(options.dir ?? ".");
  const placeholders = [...TLS_PLACEHOLDERS, ...(options.plugins ?? []).flatMap((p) => p.placeholders ?? [])];
  return validateManifest(manifest, "manifest", { placeholders })
    .andThen((service) => serveSpecOf(resolveModules(service, dir), options));
}

export interface ServeSpec {
  readonly spec: LaunchSpec;
  readonly plugins: BentoPlugin[];
}

/** The same, from a validated service (module paths already resolved), through the launch pipeline's planning. */
export function serveSpecOf(service: ServiceDef, options: LaunchSpecOptions = {}): Result<ServeSpec, BentoError> {
  const dir = resolve(options.dir ?? ".");
  const env = options.env ?? {};
  const loaded = { service, dir };
  const input = {
    serviceDir: dir,
    flags: { admin: false, ...options.flags },
    env,
    cwd: dir,
    plugins: options.plugins,
    logger: options.logger ?? createSilentLogger(),
  };
  const ctx = { runDir: options.runDir ?? "/tmp/bento-kit-test", cpuCount: options.cpuCount ?? 2, environ: env };
  return resolveLaunchOptions(serveHttpMode, loaded, input)
    .andThen((o) => planLaunchOf(serveHttpMode, loaded, o, { ctx, plugins: options.plugins }))
    .map((plan) => ({ spec: plan.spec, plugins: [...plan.plugins] }));
}

/** The launch spec `serve` would start for `manifest`, as the plugins shape it. */
export function buildLaunchSpec(
  manifest: unknown,
  options: LaunchSpecOptions = {},
): Promise<Result<LaunchSpec, BentoError>> {
  const base = serveSpecFor(manifest, options);
  if (base.isErr()) return Promise.resolve(err(base.error));
  return planLaunch(base.value.spec, base.value.plugins, options.logger ?? createSilentLogger());
}
