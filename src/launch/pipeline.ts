/**
 * The launch pipeline, one for every mode (serve, serve --grpc, the start-*
 * commands, bento-kit/testing): prepare (load, options, run dir, spec,
 * preflight: prepare.ts) → start (supervisor, stop signals, keeper) → reload
 * when asked → admin server → readiness → start lines → until stopped. A mode
 * (mode.ts, plans/) says what differs; the caller says where lines go.
 */
import { availableParallelism } from "node:os";
import { err, ok, type Result } from "neverthrow";
import type { BentoError } from "../core/errors.ts";
import type { SupervisorEvent } from "../core/events.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import { createSupervisor, type Supervisor, type SupervisorOptions } from "../core/supervisor.ts";
import type { LaunchSpec } from "../core/types.ts";
import type { LogFormat } from "../core/log-line.ts";
import { createRuntime } from "../runtime/detect.ts";
import { describeTls } from "../../plugins/tls.ts";
import { systemClock } from "./_clock.ts";
import { withActivation } from "./_activation.ts";
import { attachKeeper } from "./_keeper.ts";
import { createUpgrader, followSuccessor, type Upgrader } from "./_upgrade.ts";
import { reportToPredecessor } from "./_upgraded.ts";
import { untestedNodeLine } from "./_node-version.ts";
import { checkCommands } from "./_preflight.ts";
import { checkFdLimit, makeRunDir, sweepRunDirs } from "./_resources.ts";
import type { StopSignals } from "./_signals.ts";
import { recordEvents, startAdminFor } from "./_admin.ts";
import { startReloadFor } from "./_reload-start.ts";
import { createServiceReload } from "./_service-reload.ts";
import { tlsLine } from "./_tls.ts";
import type { AddressOf, Mode } from "./mode.ts";
import {
  type LaunchInput,
  type LaunchOptions,
  type LaunchPlan,
  loadLaunch,
  planLaunchOf,
  resolveLaunchOptions,
} from "./prepare.ts";

/** How long the stop waits for workers' relayed lines still in the pipe (src/runtime/libc/_stdout-relay.ts). */
const RELAY_DRAIN_MS = 1000;

/** Where a launch's lines and events go, and what the caller wants besides the supervisor. */
export interface LaunchIO {
  readonly logger: Logger;
  readonly output: SupervisorOptions["output"];
  /**
   * Workers that can write their own lines write them to the runtime's stdout in this format
   * (or to a pipe whose whole lines `relay` gets, where stdout cannot be handed on); absent: all through `output`.
   */
  readonly directLog?: { readonly format: LogFormat; readonly relay: (bytes: Uint8Array) => void };
  readonly onEvent?: (event: SupervisorEvent) => void;
  /** The CLI's stop signals; absent: the caller stops the supervisor. */
  readonly stop?: StopSignals;
  /** Run the keeper (workers die with a SIGKILLed supervisor); the CLI does. */
  readonly keeper?: boolean;
}

export interface Launched<O = unknown> {
  readonly supervisor: Supervisor;
  readonly runtime: RuntimePort;
  readonly plan: LaunchPlan<O>;
  /** The spec as started (after the plugins). */
  readonly started: LaunchSpec;
  readonly addressOf: AddressOf;
  /** Admin URL when it runs. */
  readonly adminUrl?: string;
  /** `bento-kit upgrade`, SIGUSR2: the supervisor that took over, once one did. */
  readonly upgrader: Upgrader;
  /** After the supervisor is done: stop watching, release the keeper, close the admin server. */
  close(): Promise<void>;
}

/** Prepare and start; resolves once the supervisor has started (not yet ready). Undefined: stopped by a signal first. */
export async function startLaunch<O>(
  mode: Mode<O>,
  input: LaunchInput,
  io: LaunchIO,
): Promise<Result<Launched<O> | undefined, BentoError>> {
  const loaded = await loadLaunch(input);
  if (loaded.isErr()) return err(loaded.error);
  const options = resolveLaunchOptions(mode, loaded.value, input);
  if (options.isErr()) return err(options.error);
  const created = await createRuntime();
  const made = makeRunDir();
  if (made.isErr()) return err(made.error);
  const runDir = made.value;
  const ctx = { runDir, cpuCount: availableParallelism(), environ: input.env };
  const preflight = (spec: LaunchSpec) =>
    checkCommands(spec, created).andThen(() => checkFdLimit(spec)).map(() => spec);
  const finish = (spec: LaunchSpec, first: boolean) => mode.finish?.(spec, options.value, first) ?? spec;
  const plan = planLaunchOf(mode, loaded.value, options.value, { ctx, plugins: input.plugins })
    .andThen((p) => preflight(p.spec).map(() => p));
  if (plan.isErr() || io.stop?.requested) {
    created.removeDir(runDir);
    return plan.isErr() ? err(plan.error) : ok(undefined);
  }
  const spec = finish(plan.value.spec, true);
  const activated = withActivation(created, spec.sockets, io.logger);
  if (activated.isErr()) {
    created.removeDir(runDir);
    return err(activated.error);
  }
  const runtime = activated.value;
  const workerStdout = io.directLog && runtime.workerStdout?.(io.directLog.relay);
  for (const line of mode.notes?.(loaded.value, options.value) ?? []) io.logger.info(line);
  const checked = options.value.tlsSettings.checked;
  if (checked) io.logger.info(tlsLine(mode.protocol, checked));
  const supervisor = createSupervisor({
    spec,
    runtime,
    logger: io.logger,
    clock: systemClock,
    output: io.output,
    directLog: workerStdout && { fd: workerStdout.fd, format: io.directLog!.format },
    plugins: plan.value.plugins,
  });
  if (io.onEvent) supervisor.on(io.onEvent);
  // Before start: the admin server's history begins with the first spawn.
  const history = options.value.admin ? recordEvents(supervisor) : undefined;
  const reloadService = createServiceReload({
    supervisor,
    tls: options.value.tlsSettings,
    runDir,
    logger: io.logger,
    protocol: mode.protocol,
  });
  io.stop?.attach(supervisor, () => runtime.removeDir(runDir), reloadService);
  const keeper = io.keeper ? attachKeeper(supervisor, runDir, plan.value.spec.instance ?? "", io.logger) : undefined;
  const startedAt = Date.now();
  const started = await supervisor.start();
  // Dead instances' run dirs go now, off the way to the first spawn (_resources.ts).
  sweepRunDirs();
  if (started.isErr()) {
    history?.close();
    await workerStdout?.close(RELAY_DRAIN_MS);
    return err(started.error);
  }
  // Once started (a refused or failed start says only why it failed).
  const untested = untestedNodeLine(runtime.name, process.version);
  if (untested) io.logger.warn(untested);
  const rebuild = async (fresh: number) => {
    const again = await loadLaunch(input, fresh);
    if (again.isErr()) return err(again.error);
    return resolveLaunchOptions(mode, again.value, input)
      .andThen((o) => planLaunchOf(mode, again.value, o, { ctx }))
      .andThen((p) =>
        preflight(p.spec).map(() => ({ spec: p.spec, plugins: again.value.service.plugins.map((x) => x.name) }))
      );
  };
  const reload = options.value.values.reload && !io.stop?.requested
    ? await startReloadFor({
      supervisor,
      runtime,
      logger: io.logger,
      loaded: loaded.value,
      workingDir: options.value.serve.workingDir,
      values: options.value.values,
      built: { spec: plan.value.spec, plugins: loaded.value.service.plugins.map((p) => p.name) },
      rebuild,
      finish: (spec) => finish(spec, false),
    })
    : undefined;
  const upgrader = createUpgrader(supervisor, runtime, io.logger);
  // Once a new supervisor is ready, this one drains: a graceful stop of its workers, then it exits.
  const upgrade = async () => {
    const upgraded = await upgrader.upgrade();
    if (upgraded.isOk()) void supervisor.stop();
    return upgraded;
  };
  io.stop?.onUpgrade(() => void upgrade());
  const admin = history && options.value.admin && !io.stop?.requested
    ? await startAdminFor(options.value.admin, {
      supervisor,
      runtime,
      logger: io.logger,
      options: () => describedOptions(options.value),
      reloadService,
      metrics: options.value.metrics,
      startedAt,
      environ: input.env,
      history,
      upgrade,
    })
    : undefined;
  const close = async () => {
    history?.close();
    reload?.close();
    await keeper?.release();
    if (admin?.isOk()) await admin.value.close();
    await workerStdout?.close(RELAY_DRAIN_MS);
  };
  if (admin?.isErr()) {
    await supervisor.stop();
    await close();
    return err(admin.error);
  }
  const addressOf: AddressOf = (name) => supervisor.sockets.get(name ?? started.value.publicSocket ?? "")?.address;
  return ok({
    supervisor,
    runtime,
    plan: plan.value,
    started: started.value,
    addressOf,
    adminUrl: admin?.isOk() ? admin.value.url : undefined,
    upgrader,
    close,
  });
}

/**
 * A launch as a command runs it: start, log the start lines once every worker
 * is ready, wait until stopped, clean up. Err: what failed (the CLI maps it
 * to an exit code).
 */
export async function runLaunch<O>(mode: Mode<O>, input: LaunchInput, io: LaunchIO): Promise<Result<void, BentoError>> {
  const launched = await startLaunch(mode, input, io);
  if (launched.isErr()) reportToPredecessor(`FAILED=${launched.error.message}`);
  if (launched.isErr() || launched.value === undefined) return launched.map(() => undefined);
  const { supervisor, plan, addressOf } = launched.value;
  const ready = await supervisor.whenReady();
  if (ready && !io.stop?.requested) {
    for (const line of mode.startLines(plan.loaded, shownOptions(launched.value), addressOf)) io.logger.info(line);
    reportToPredecessor("READY=1");
  }
  const done = await supervisor.done;
  await launched.value.close();
  if (done.isErr()) reportToPredecessor(`FAILED=${done.error.message}`);
  if (done.isErr()) return err(done.error);
  io.logger.info("Stopped: every worker is gone and the sockets are closed");
  const successor = launched.value.upgrader.successor;
  if (successor) {
    io.stop?.release();
    await followSuccessor(successor, io.logger, Boolean(process.stdin.isTTY));
  }
  return ok(undefined);
}

/** The options as the start lines show them: an adopted public socket's own host, not --host (never bound). */
function shownOptions<O>({ plan, supervisor, started }: Launched<O>): LaunchOptions<O> {
  const socket = supervisor.sockets.get(started.publicSocket ?? "");
  if (!socket?.adopted || socket.address.kind !== "tcp") return plan.options;
  return { ...plan.options, serve: { ...plan.options.serve, host: socket.address.host } };
}

/** What the admin API's GET /v1/service shows of the options (no secrets: TLS as paths and dates). */
function describedOptions(o: LaunchOptions): object {
  const checked = o.tlsSettings.checked;
  return { ...o.serve, scheme: o.tls ? "https" : "http", metrics: o.metrics, tls: checked && describeTls(checked) };
}
