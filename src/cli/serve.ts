/** `bento-kit serve [SERVICE_DIR]`: every pool of a service, on one machine. */
import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { defineCommand } from "citty";
import { resolveServeOptions, type ServeFlags } from "../core/serve-options.ts";
import { buildServeSpec } from "../core/serve-spec.ts";
import { createSupervisor } from "../core/supervisor.ts";
import type { BoundAddress } from "../core/types.ts";
import { runnerMapPlugin } from "../../plugins/runner-map.ts";
import { createRuntime } from "../runtime/detect.ts";
import { systemClock } from "./_clock.ts";
import { fail } from "./_fail.ts";
import { loadService } from "./_load-manifest.ts";
import { createCliLogger } from "./_logger.ts";
import { checkCommands } from "./_preflight.ts";
import { handleStopSignals } from "./_signals.ts";

export const serveArgs = {
  service: { type: "positional", required: false, default: ".", description: "Directory holding bento.config.ts (.js, .mjs or .json)" },
  host: { type: "string", valueHint: "HOST", description: "Address the API server listens on: IPv4, IPv6 or a hostname [env BENTO_HOST] (default 0.0.0.0)" },
  port: { type: "string", alias: "p", valueHint: "PORT", description: "Port of the API server; 0 picks a free one [env BENTO_PORT] (default 3000)" },
  "api-workers": { type: "string", valueHint: "N", description: "Number of API server workers [env BENTO_API_WORKERS] (default: manifest, else CPU count)" },
  backlog: { type: "string", valueHint: "N", description: "Listen backlog of every socket (default 2048)" },
  timeout: { type: "string", valueHint: "SECONDS", description: "Request timeout handed to workers as BENTO_TIMEOUT and {timeout} [env BENTO_TIMEOUT]" },
  "working-dir": { type: "string", valueHint: "DIR", description: "Working directory of every worker (default: the service directory)" },
  "timeout-keep-alive": { type: "string", valueHint: "SECONDS", description: "Idle keep-alive timeout handed to workers (BENTO_TIMEOUT_KEEP_ALIVE, {timeout_keep_alive})" },
  "timeout-graceful-shutdown": { type: "string", valueHint: "SECONDS", description: "On stop, seconds workers get to drain before SIGKILL; also handed to workers (default 30)" },
  "unix-sockets": { type: "boolean", description: "Connect runners over Unix sockets; --no-unix-sockets uses loopback TCP [env BENTO_NO_UDS=1] (default on)" },
  debug: { type: "boolean", description: "Log debug lines (socket fds, worker starts)" },
} as const;

export const serveCommand = defineCommand({
  meta: { name: "serve", description: "Serve a service: runner pools, then the API server pool, with sockets held by the supervisor (Ctrl+C stops everything)" },
  args: serveArgs,
  async run({ args }) {
    const logger = createCliLogger({ debug: Boolean(args.debug) });
    const loaded = await loadService(args.service ?? ".");
    if (loaded.isErr()) return fail(loaded.error);
    const { service, dir } = loaded.value;
    const flags: ServeFlags = {
      host: args.host, port: args.port, backlog: args.backlog, apiWorkers: args["api-workers"], timeout: args.timeout,
      timeoutKeepAlive: args["timeout-keep-alive"], timeoutGracefulShutdown: args["timeout-graceful-shutdown"],
      workingDir: args["working-dir"], unixSockets: args["unix-sockets"] as boolean | undefined,
    };
    const options = resolveServeOptions(flags, process.env, { ...service.serve, workingDir: dir });
    if (options.isErr()) return fail(options.error);
    const runDir = mkdtempSync(join(tmpdir(), "bento-kit-"));
    const spec = buildServeSpec(service, options.value, { runDir, cpuCount: availableParallelism(), environ: process.env });
    const checked = spec.andThen((s) => checkCommands(s).map(() => s));
    const runtime = await createRuntime();
    if (checked.isErr()) {
      runtime.removeDir(runDir);
      return fail(checked.error);
    }
    const supervisor = createSupervisor({
      spec: checked.value, runtime, logger, clock: systemClock,
      plugins: [runnerMapPlugin({ unixSockets: options.value.unixSockets })],
      output: (stream, line) => (stream === "stdout" ? process.stdout : process.stderr).write(`${line}\n`),
    });
    const release = handleStopSignals(supervisor, logger);
    const started = await supervisor.start();
    if (started.isErr()) {
      release();
      return fail(started.error);
    }
    const api = supervisor.sockets.get(started.value.publicSocket ?? "");
    if (api) {
      logger.info(`Starting production HTTP BentoServer from "${service.name}" listening on ${url(options.value.host, api.address)} (Press CTRL+C to quit)`);
    }
    const done = await supervisor.done;
    release();
    if (done.isErr()) return fail(done.error);
    logger.info("Stopped: every worker is gone and the sockets are closed");
  },
});

function url(host: string, address: BoundAddress): string {
  if (address.kind === "unix") return `unix://${address.path}`;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
