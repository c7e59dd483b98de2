/**
 * The launch pipeline every supervising command shares (`start-runner-server`,
 * `start-http-server`; `serve` and `start-grpc-server` next): load the
 * manifest → resolve options → runtime → run dir → spec (the command's pure
 * builder) → preflight (programs, fd limit) → supervisor with the command's
 * plugins then the service's → keeper → admin server → the start line once
 * every worker is ready → wait until stopped. A command gives what differs
 * (`LaunchPlan`); everything else, stop signals and exit codes included, is here.
 */
import { availableParallelism } from "node:os";
import { err, type Result } from "neverthrow";
import type { BentoError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { ServiceDef } from "../core/manifest.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import type { BuildContext } from "../core/serve-spec.ts";
import type { ServeOptions } from "../core/serve-options.ts";
import { createSupervisor } from "../core/supervisor.ts";
import type { BoundAddress, LaunchSpec } from "../core/types.ts";
import { createRuntime } from "../runtime/detect.ts";
import { describeService } from "../admin/service-info.ts";
import { type AdminSettings, resolveAdminSettings } from "./_admin-settings.ts";
import { systemClock } from "./_clock.ts";
import { fail } from "./_fail.ts";
import { attachKeeper } from "./_keeper.ts";
import { loadService } from "./_load-manifest.ts";
import { createCliLogger } from "./_logger.ts";
import { createOutput, flushOutput } from "./_output.ts";
import { checkCommands } from "./_preflight.ts";
import { checkFdLimit, makeRunDir } from "./_resources.ts";
import { listenForStop, type StopSignals } from "./_signals.ts";
import { VERSION } from "./_version.ts";

export interface LoadedLaunch {
  readonly service: ServiceDef;
  /** The service directory, absolute. */
  readonly dir: string;
}

/** What one command adds to the pipeline. */
export interface LaunchPlan<O extends ServeOptions = ServeOptions> {
  /** The service directory argument. */
  readonly serviceDir: string;
  readonly debug?: boolean;
  /** Placeholders the command's plugins add (e.g. the TLS plugin's `{ssl_certfile}`), accepted in the manifest's commands. */
  readonly placeholders?: readonly string[];
  /** The admin flags (`adminArgs`): --admin, --admin-host, --admin-port. */
  readonly admin: Parameters<typeof resolveAdminSettings>[0];
  /** Options from flags, env and the manifest, every problem at once; before anything is created. */
  options(loaded: LoadedLaunch, env: Readonly<Record<string, string | undefined>>): Result<O, BentoError>;
  /** The command's pure spec builder. */
  buildSpec(loaded: LoadedLaunch, options: O, ctx: BuildContext): Result<LaunchSpec, BentoError>;
  /** Built-in plugins; the service's own plugins run after them. */
  plugins(loaded: LoadedLaunch, options: O): readonly BentoPlugin[];
  /** The line printed once every worker is ready; `address` is where the public socket listens. */
  startLine(loaded: LoadedLaunch, options: O, address: BoundAddress | undefined): string;
  /** Lines logged once the options are known (e.g. "Using remote runners: ..."). */
  notes?(loaded: LoadedLaunch, options: O): readonly string[];
}

/** Runs a plan as a command's `run()`: until stopped, then exits with the code the outcome maps to. */
export async function launch<O extends ServeOptions>(plan: LaunchPlan<O>): Promise<never> {
  const logger = createCliLogger({ debug: Boolean(plan.debug) });
  const output = createOutput();
  const stop = listenForStop(logger);
  try {
    await run(plan, logger, stop, output);
  } finally {
    stop.release();
  }
  // Everything is stopped. Output that a stalled reader never took must not
  // keep the process alive (Node, Bun and Deno wait for queued pipe writes).
  await flushOutput(500);
  process.exit();
}

async function run<O extends ServeOptions>(
  plan: LaunchPlan<O>,
  logger: Logger,
  stop: StopSignals,
  output: ReturnType<typeof createOutput>,
): Promise<void> {
  const loadedService = await loadService(plan.serviceDir, { placeholders: plan.placeholders });
  if (loadedService.isErr()) return fail(loadedService.error);
  const loaded: LoadedLaunch = { service: loadedService.value.service, dir: loadedService.value.dir };
  const options = plan.options(loaded, process.env);
  if (options.isErr()) return fail(options.error);
  const adminSettings = resolveAdminSettings(plan.admin, process.env);
  if (adminSettings.isErr()) return fail(adminSettings.error);
  const runtime = await createRuntime();
  const made = makeRunDir();
  if (made.isErr()) return fail(made.error);
  const runDir = made.value;
  const ctx: BuildContext = { runDir, cpuCount: availableParallelism(), environ: process.env };
  const spec = plan.buildSpec(loaded, options.value, ctx)
    .andThen((s) => checkCommands(s, runtime).map(() => s))
    .andThen((s) => checkFdLimit(s).map(() => s));
  if (spec.isErr() || stop.requested) {
    runtime.removeDir(runDir);
    return spec.isErr() ? fail(spec.error) : undefined;
  }
  for (const line of plan.notes?.(loaded, options.value) ?? []) logger.info(line);
  const supervisor = createSupervisor({
    spec: spec.value,
    runtime,
    logger,
    clock: systemClock,
    output,
    plugins: [...plan.plugins(loaded, options.value), ...loaded.service.plugins],
  });
  stop.attach(supervisor, () => runtime.removeDir(runDir));
  const keeper = attachKeeper(supervisor, runDir, spec.value.instance ?? "", logger);
  const startedAt = Date.now();
  const started = await supervisor.start();
  if (started.isErr()) return fail(started.error);
  const admin = adminSettings.value && !stop.requested
    ? await startAdmin(adminSettings.value, {
      supervisor,
      runtime,
      logger,
      started: started.value,
      options: options.value,
      startedAt,
    })
    : undefined;
  if (admin?.isErr()) {
    await supervisor.stop();
    return fail(admin.error);
  }
  const address = supervisor.sockets.get(started.value.publicSocket ?? "")?.address;
  const ready = await supervisor.whenReady();
  if (ready && !stop.requested) logger.info(plan.startLine(loaded, options.value, address));
  const done = await supervisor.done;
  await keeper?.release();
  if (admin?.isOk()) await admin.value.close();
  if (done.isErr()) return fail(done.error);
  logger.info("Stopped: every worker is gone and the sockets are closed");
}

interface AdminInput {
  readonly supervisor: ReturnType<typeof createSupervisor>;
  readonly runtime: Awaited<ReturnType<typeof createRuntime>>;
  readonly logger: Logger;
  readonly started: LaunchSpec;
  readonly options: object;
  readonly startedAt: number;
}

/** The admin server (loaded only when it starts: Hono, zod, OpenAPI). */
async function startAdmin(settings: AdminSettings, o: AdminInput) {
  const info = describeService({
    spec: o.started,
    options: o.options,
    sockets: o.supervisor.sockets.values(),
    version: VERSION,
    pid: process.pid,
    startedAt: o.startedAt,
    runtime: o.runtime.name,
  });
  const { startAdmin } = await import("./_admin-server.ts");
  const control = { ...o.supervisor, stop: o.supervisor.requestStop };
  return startAdmin({ control, runtime: o.runtime, service: () => info, settings, logger: o.logger });
}

/** `http://host:port` for a start line (IPv6 in brackets), `unix:///path` for a Unix socket. */
export function listenUrl(host: string, address: BoundAddress | undefined, scheme = "http"): string {
  if (address?.kind === "unix") return `unix://${address.path}`;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${address?.port ?? "?"}`;
}

/** Every problem at once: `result`, unless it or one of `others` failed; then the first error, carrying every message (one per line). */
export function combineProblems<T>(
  result: Result<T, BentoError>,
  others: readonly Result<unknown, BentoError>[],
): Result<T, BentoError> {
  const errors = [result, ...others].flatMap((r) => (r.isErr() ? [r.error] : []));
  if (errors.length === 0) return result;
  return err({ ...errors[0]!, message: errors.map((e) => e.message).join("\n") } as BentoError);
}
