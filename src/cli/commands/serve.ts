/** `bento-kit serve [SERVICE_DIR]`: every pool of a service, on one machine. */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { defineCommand, type ParsedArgs } from "citty";
import type { Logger } from "../../core/logger.ts";
import { resolveServeOptions, type ServeFlags } from "../../core/serve-options.ts";
import { buildServeSpec } from "../../core/serve-spec.ts";
import { createSupervisor } from "../../core/supervisor.ts";
import type { BoundAddress } from "../../core/types.ts";
import { runnerMapPlugin } from "../../../plugins/runner-map.ts";
import { checkTls, describeTls, TLS_PLACEHOLDERS, tlsPlugin } from "../../../plugins/tls.ts";
import { resolveTlsOptions, tlsArgs } from "../_tls-args.ts";
import { logArgs, parseLogFormat, setLogFormat } from "../terminal/_log-format.ts";
import { createWorkerOutput, type WorkerOutput } from "../terminal/_worker-output.ts";
import { createRuntime } from "../../runtime/detect.ts";
import { systemClock } from "../../launch/_clock.ts";
import { fail } from "../terminal/_fail.ts";
import { loadService } from "../../launch/_load-manifest.ts";
import { createCliLogger } from "../terminal/_logger.ts";
import { checkCommands } from "../../launch/_preflight.ts";
import { checkFdLimit, makeRunDir } from "../../launch/_resources.ts";
import { attachKeeper } from "../../launch/_keeper.ts";
import { createOutput, flushOutput } from "../terminal/_output.ts";
import { listenForStop, type StopSignals } from "../../launch/_signals.ts";
import { adminArgs, resolveAdminSettings } from "../../launch/_admin-settings.ts";
import { metricsArgs, metricsEnabled, metricsLine, metricsPlugins } from "../_metrics-settings.ts";
import { describeService } from "../../admin/service-info.ts";
import { VERSION } from "../_version.ts";
import { grpcArgs, grpcPlan } from "../_grpc-launch.ts";
import { launch } from "../_launch.ts";
import { devArgs } from "../_dev-args.ts";
import { describeEvent } from "../terminal/_event-line.ts";
import type { Built } from "../../launch/_reload.ts";
import { DEVELOPMENT_HOST, developmentSpec } from "../../core/development.ts";
import type { ServiceDef } from "../../core/manifest.ts";
import type { LaunchSpec } from "../../core/types.ts";
import type { BentoError } from "../../core/errors.ts";
import { err, type Result } from "neverthrow";

export const serveArgs = {
  service: {
    type: "positional",
    required: false,
    default: ".",
    description: "Directory holding bento.config.ts (.mts, .js, .mjs or .json)",
  },
  host: {
    type: "string",
    valueHint: "HOST",
    description: "Address the API server listens on: IPv4, IPv6 or a hostname [env BENTO_HOST] (default 0.0.0.0)",
  },
  port: {
    type: "string",
    alias: "p",
    valueHint: "PORT",
    description: "Port of the API server; 0 picks a free one [env BENTO_PORT] (default 3000)",
  },
  "api-workers": {
    type: "string",
    valueHint: "N",
    description: "Number of API server workers [env BENTO_API_WORKERS] (default: manifest, else CPU count)",
  },
  backlog: { type: "string", valueHint: "N", description: "Listen backlog of every socket (default 2048)" },
  timeout: {
    type: "string",
    valueHint: "SECONDS",
    description: "Request timeout handed to workers as BENTO_TIMEOUT and {timeout} [env BENTO_TIMEOUT]",
  },
  "working-dir": {
    type: "string",
    valueHint: "DIR",
    description: "Working directory of every worker (default: the service directory)",
  },
  "timeout-keep-alive": {
    type: "string",
    valueHint: "SECONDS",
    description: "Idle keep-alive timeout handed to workers (BENTO_TIMEOUT_KEEP_ALIVE, {timeout_keep_alive})",
  },
  "timeout-graceful-shutdown": {
    type: "string",
    valueHint: "SECONDS",
    description: "On stop, seconds workers get to drain before SIGKILL; also handed to workers (default 30)",
  },
  "unix-sockets": {
    type: "boolean",
    description:
      "Connect runners over Unix sockets; --no-unix-sockets uses loopback TCP [env BENTO_NO_UDS=1] (default on)",
  },
  debug: { type: "boolean", description: "Log debug lines (socket fds, worker starts)" },
  ...devArgs,
  ...adminArgs,
  grpc: {
    type: "boolean",
    description: "Serve the manifest's gRPC pool (and its metrics server) instead of the HTTP API pool",
  },
  ...grpcArgs,
  ...metricsArgs,
  ...tlsArgs,
  ...logArgs,
} as const;

export const serveCommand = defineCommand({
  meta: {
    name: "serve",
    description:
      "Serve a service: runner pools, then the API server pool, with sockets held by the supervisor (Ctrl+C stops everything)",
  },
  args: serveArgs,
  async run({ args }) {
    const format = parseLogFormat(args["log-format"], process.env);
    if (format.isOk()) setLogFormat(format.value);
    if (args.grpc && (args.development || args.reload)) {
      createCliLogger({ debug: false }).warn(
        "--development and --reload are for the HTTP API pool: ignored with --grpc",
      );
    }
    if (args.grpc) return launch(grpcPlan(args, false));
    const logger = createCliLogger({ debug: Boolean(args.debug || args.development) });
    const output = createWorkerOutput(createOutput());
    const stop = listenForStop(logger);
    try {
      await (format.isErr() ? fail(format.error) : serve(args, logger, stop, output));
    } finally {
      output.flush();
      stop.release();
    }
    // Everything is stopped. Output that a stalled reader never took must not
    // keep the process alive (Node, Bun and Deno wait for queued pipe writes).
    await flushOutput(500);
    process.exit();
  },
});

async function serve(
  args: ParsedArgs<typeof serveArgs>,
  logger: Logger,
  stop: StopSignals,
  output: WorkerOutput,
): Promise<void> {
  const loaded = await loadService(args.service ?? ".", { placeholders: TLS_PLACEHOLDERS });
  if (loaded.isErr()) return fail(loaded.error);
  const { service, dir, file } = loaded.value;
  const dev = Boolean(args.development);
  const flags: ServeFlags = {
    host: args.host,
    port: args.port,
    backlog: args.backlog,
    apiWorkers: args["api-workers"],
    timeout: args.timeout,
    timeoutKeepAlive: args["timeout-keep-alive"],
    timeoutGracefulShutdown: args["timeout-graceful-shutdown"],
    workingDir: args["working-dir"] === undefined ? undefined : resolve(args["working-dir"]),
    unixSockets: args["unix-sockets"] as boolean | undefined,
    accessLog: args["access-log"] as boolean | undefined,
  };
  const defaultsOf = (s: ServiceDef) => ({
    ...s.serve,
    host: s.serve?.host ?? (dev ? DEVELOPMENT_HOST : undefined),
    workingDir: dir,
  });
  const options = resolveServeOptions(flags, process.env, defaultsOf(service));
  if (options.isErr()) return fail(options.error);
  // TLS is checked before anything is made or bound; the plugin writes the workers' key copy.
  const tls = resolveTlsOptions(args, process.env, { serve: service.serve, dir }, logger)
    .andThen((settings) => checkTls(settings).map((checked) => ({ settings, checked })));
  if (tls.isErr()) return fail(tls.error);
  const scheme = tls.value.checked ? "https" : "http";
  const adminSettings = resolveAdminSettings(args, process.env);
  if (adminSettings.isErr()) return fail(adminSettings.error);
  const runtime = await createRuntime();
  const made = makeRunDir();
  if (made.isErr()) return fail(made.error);
  const runDir = made.value;
  const ctx = { runDir, cpuCount: availableParallelism(), environ: process.env };
  const check = (s: LaunchSpec) => checkCommands(s, runtime).andThen(() => checkFdLimit(s)).map(() => s);
  const built = buildServeSpec(service, options.value, ctx).andThen(check);
  const apiWorkersGiven = options.value.apiWorkers !== undefined;
  const spec = built.map((s) => (dev ? developmentSpec(s, { oneWorker: true, apiWorkersGiven }) : s));
  if (spec.isErr() || stop.requested) {
    runtime.removeDir(runDir);
    return spec.isErr() ? fail(spec.error) : undefined;
  }
  const metricsOn = metricsEnabled(args, process.env);
  const supervisor = createSupervisor({
    spec: spec.value,
    runtime,
    logger,
    clock: systemClock,
    output: output.line,
    plugins: [
      runnerMapPlugin({ unixSockets: options.value.unixSockets }),
      tlsPlugin(tls.value.settings),
      ...metricsPlugins(metricsOn),
      ...service.plugins,
    ],
  });
  supervisor.on(output.event);
  if (dev) supervisor.on((event) => logger.debug(describeEvent(event)));
  stop.attach(supervisor, () => runtime.removeDir(runDir));
  const keeper = attachKeeper(supervisor, runDir, spec.value.instance ?? "", logger);
  const startedAt = Date.now();
  const started = await supervisor.start();
  if (started.isErr()) return fail(started.error);
  const rebuild = async (fresh: number): Promise<Result<Built, BentoError>> => {
    const again = await loadService(dir, { placeholders: TLS_PLACEHOLDERS, fresh });
    if (again.isErr()) return err(again.error);
    const s = again.value.service;
    return resolveServeOptions(flags, process.env, defaultsOf(s))
      .andThen((o) => buildServeSpec(s, o, ctx)).andThen(check)
      .map((next) => ({ spec: next, plugins: s.plugins.map((p) => p.name) }));
  };
  // Loaded only for --reload (the watcher, its rules, the reload plan).
  const { startReload, splitPatterns, watchRoots } = args.reload
    ? await import("../../launch/_reload.ts")
    : ({} as never);
  const reload = args.reload && !stop.requested
    ? startReload({
      supervisor,
      runtime,
      logger,
      clock: systemClock,
      serviceDir: dir,
      manifestFile: file,
      workingDir: options.value.workingDir,
      include: splitPatterns(args["reload-include"]),
      exclude: splitPatterns(args["reload-exclude"]),
      built: { spec: built._unsafeUnwrap(), plugins: service.plugins.map((p) => p.name) },
      rebuild,
      finish: (next) => (dev ? developmentSpec(next, { oneWorker: false, apiWorkersGiven }) : next),
    })
    : undefined;
  if (reload?.isErr()) logger.warn(`Reload is off: ${reload.error}`);
  else if (reload) {
    logger.info(
      `Reload on: watching ${
        watchRoots(dir, options.value.workingDir).join(" and ")
      } (ignoring .git, node_modules, __pycache__, .venv, *.pyc and .gitignore)`,
    );
  }
  const info = describeService({
    spec: started.value,
    options: { ...options.value, scheme, tls: tls.value.checked && describeTls(tls.value.checked) },
    sockets: supervisor.sockets.values(),
    version: VERSION,
    pid: process.pid,
    startedAt,
    runtime: runtime.name,
  });
  const admin = adminSettings.value && !stop.requested
    ? await (await import("../../launch/_admin-server.ts")).startAdmin({
      control: { ...supervisor, stop: supervisor.requestStop },
      runtime,
      service: () => info,
      settings: adminSettings.value,
      logger,
    })
    : undefined;
  if (admin?.isErr()) {
    await supervisor.stop();
    return fail(admin.error);
  }
  const adminServer = admin?.isOk() ? admin.value : undefined;
  const api = supervisor.sockets.get(started.value.publicSocket ?? "");
  const ready = await supervisor.whenReady();
  if (api && ready && !stop.requested) {
    if (metricsOn) logger.info(metricsLine(service.name, url(scheme, options.value.host, api.address)));
    logger.info(
      `Starting ${
        dev ? "development" : "production"
      } ${scheme.toUpperCase()} BentoServer from "${service.name}" listening on ${
        url(scheme, options.value.host, api.address)
      } (Press CTRL+C to quit)`,
    );
  }
  const done = await supervisor.done;
  if (reload?.isOk()) reload.value.close();
  await keeper?.release();
  await adminServer?.close();
  if (done.isErr()) return fail(done.error);
  logger.info("Stopped: every worker is gone and the sockets are closed");
}

function url(scheme: string, host: string, address: BoundAddress): string {
  if (address.kind === "unix") return `unix://${address.path}`;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
