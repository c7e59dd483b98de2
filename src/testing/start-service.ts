/**
 * A real service for an integration test: the manifest (an object, or the
 * service directory's `bento.config.*`) with the test's plugins, started
 * in-process on a free loopback port through serve's launch pipeline (the
 * real supervisor, runtime adapter and built-in plugins); resolves once every worker is ready. `stop()` stops it as Ctrl+C
 * would and says what, if anything, is still running afterwards.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { PoolView } from "../core/control.ts";
import type { BentoError } from "../core/errors.ts";
import type { SupervisorEvent } from "../core/events.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { ServeFlags } from "../core/serve-options.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { serveHttpMode } from "../launch/plans/serve-http.ts";
import { startLaunch } from "../launch/pipeline.ts";
import { createCaptureLogger } from "./_capture-logger.ts";

export interface StartServiceOptions {
  /** The service directory (default: the current dir); its `bento.config.*` is loaded unless `manifest` is given. */
  readonly dir?: string;
  /** The manifest as an object (module paths relative to `dir`). */
  readonly manifest?: unknown;
  /** Plugins after the manifest's own. */
  readonly plugins?: readonly BentoPlugin[];
  /** `serve` flags (by flag or camelCase name); host defaults to 127.0.0.1, port to 0 (a free one), admin off. */
  readonly flags?: ServeFlags | Readonly<Record<string, unknown>>;
  /** The supervisor's environment, copied to workers (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long every worker has to be ready (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Also print each worker output line and log line (e.g. `console.log`). */
  readonly echo?: (line: string) => void;
}

export interface RunningService {
  /** `http://127.0.0.1:PORT` of the API server. */
  readonly url: string;
  readonly port: number;
  readonly supervisor: Supervisor;
  pools(): readonly PoolView[];
  readonly events: readonly SupervisorEvent[];
  /** Worker output, prefixed `[pool:id]`. */
  readonly output: readonly string[];
  /** The supervisor's log lines, `level [tag] message`. */
  readonly logs: readonly string[];
  /**
   * Stop gracefully (SIGTERM, then SIGKILL at the graceful timeout) and list
   * what is still running afterwards: an empty list when nothing leaked.
   */
  stop(): Promise<string[]>;
}

export interface NotReady {
  readonly kind: "NotReady";
  readonly message: string;
}

export async function startService(
  options: StartServiceOptions = {},
): Promise<Result<RunningService, BentoError | NotReady>> {
  const dir = resolve(options.dir ?? ".");
  const flags = { host: "127.0.0.1", port: "0", admin: false, ...options.flags };
  const logs: string[] = [];
  const output: string[] = [];
  const events: SupervisorEvent[] = [];
  const logger = createCaptureLogger(logs, options.echo);
  const input = {
    serviceDir: dir,
    manifest: options.manifest,
    flags,
    env: options.env ?? process.env,
    cwd: dir,
    plugins: options.plugins,
    logger,
  };
  const launched = await startLaunch(serveHttpMode, input, {
    logger,
    output: (_stream, line) => (output.push(line), options.echo?.(line)),
    onEvent: (event) => events.push(event),
  });
  if (launched.isErr()) return err(launched.error);
  const { supervisor, runtime, addressOf } = launched.value!;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = await Promise.race([
    supervisor.whenReady(),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  const stop = () => stopAndCheck(supervisor, runtime, events, supervisor.spec.runDir);
  if (!ready) {
    const left = await stop();
    const tail = [...logs, ...output].slice(-10).join("\n");
    return err({
      kind: "NotReady",
      message: `The service was not ready within ${timeoutMs / 1000} s${
        left.length ? ` (and ${left.join(", ")})` : ""
      }:\n${tail}`,
    });
  }
  const address = addressOf();
  const port = address?.kind === "tcp" ? address.port : 0;
  return ok({
    url: `http://${flags.host}:${port}`,
    port,
    supervisor,
    events,
    output,
    logs,
    pools: () => supervisor.pools(),
    stop,
  });
}

async function stopAndCheck(
  supervisor: Supervisor,
  runtime: RuntimePort,
  events: readonly SupervisorEvent[],
  runDir: string,
): Promise<string[]> {
  await supervisor.stop();
  await supervisor.done;
  const left: string[] = [];
  for (const e of events) {
    if (e.type === "spawn" && runtime.groupAlive(e.pid)) {
      left.push(`process group ${e.pid} (${e.pool}:${e.workerId}) is still running`);
    }
  }
  const tag = supervisor.spec.instance && `BENTO_INSTANCE=${supervisor.spec.instance}`;
  const tagged = tag ? runtime.signalTagged?.(tag, 0) ?? 0 : 0;
  if (tagged > 0) {
    left.push(
      `${tagged} ${tagged === 1 ? "process" : "processes"} with ${tag} in its environment ${
        tagged === 1 ? "is" : "are"
      } still running`,
    );
  }
  if (existsSync(runDir)) left.push(`the run dir ${runDir} is still there`);
  return left;
}
