/**
 * The hook pipeline end to end without a process: a manifest and plugins run
 * through the real supervisor against a recording runtime. Every spawn is
 * recorded with the plan the `beforeSpawn` handlers produced; a test makes
 * workers exit (`exit`) and watches what the supervisor and the plugins do.
 */
import { ok, type Result } from "neverthrow";
import type { BackoffPolicy } from "../core/backoff.ts";
import type { PoolView } from "../core/control.ts";
import type { ServiceFailure, StartError } from "../core/errors.ts";
import type { SupervisorEvent } from "../core/events.ts";
import { type BentoPlugin, definePlugin, type SpawnedWorker } from "../core/plugin.ts";
import { createSupervisor, type Supervisor } from "../core/supervisor.ts";
import type { LaunchSpec, SpawnPlan } from "../core/types.ts";
import { systemClock } from "../launch/_clock.ts";
import { createCaptureLogger } from "./_capture-logger.ts";
import { type LaunchSpecOptions, serveSpecFor } from "./launch-spec.ts";
import { createRecordingRuntime, type RecordingRuntime, type RecordingRuntimeOptions } from "./recording-runtime.ts";

export interface RunPluginsOptions extends Omit<LaunchSpecOptions, "plugins" | "logger">, RecordingRuntimeOptions {
  /** Crash-loop back-off (default: bento-kit's, whose first respawn is immediate). */
  readonly backoff?: BackoffPolicy;
  /** Also print each log line (e.g. `console.log`). */
  readonly echo?: (line: string) => void;
}

export interface PluginRun {
  /** What `start()` returned: the spec as the plugins shaped it, or why the service did not start. */
  readonly started: Result<LaunchSpec, StartError>;
  /** Every worker started, in order: pid, argv and the plan as the `beforeSpawn` handlers left it. */
  readonly spawns: readonly SpawnedWorker[];
  /** The plans of `spawns`, of one pool or of all. */
  plans(pool?: string): SpawnPlan[];
  readonly events: readonly SupervisorEvent[];
  /** Log lines, `level [tag] message` (`warn [runner:iris] worker 2 stays down: ...`). */
  readonly logs: readonly string[];
  /** The recording runtime: binds, live workers, the signal log. */
  readonly recorded: RecordingRuntime;
  readonly supervisor: Supervisor;
  pools(): readonly PoolView[];
  /** Make the live worker `id` of `pool` exit (code 1 by default); false when there is none. */
  exit(pool: string, id: number, code?: number | null, signal?: string | null): boolean;
  /** Wait until `check()` holds; false after `ms` (default 5 s). */
  until(check: () => boolean, ms?: number): Promise<boolean>;
  /** Stop as Ctrl+C would; resolves to how the supervisor ended. */
  stop(): Promise<Result<void, ServiceFailure>>;
}

/**
 * Start `manifest` with `plugins` (after the built-in runner-map plugin and
 * the manifest's own) against a recording runtime. Throws when the manifest
 * or the options are invalid (a mistake in the test); a failure of the
 * plugins is in `started`.
 */
export async function runPlugins(
  manifest: unknown,
  plugins: readonly BentoPlugin[],
  options: RunPluginsOptions = {},
): Promise<PluginRun> {
  const base = serveSpecFor(manifest, { ...options, plugins });
  if (base.isErr()) throw new Error(base.error.message);
  const recorded = createRecordingRuntime(options);
  const spawns: SpawnedWorker[] = [];
  const events: SupervisorEvent[] = [];
  const logs: string[] = [];
  // Last, and "post": it sees each plan as every other handler left it.
  const recorder = definePlugin({
    name: "bento:testing-recorder",
    afterSpawn: { order: "post", handler: (spawned) => void spawns.push(spawned) },
  });
  const supervisor = createSupervisor({
    spec: base.value.spec,
    runtime: recorded.runtime,
    plugins: [...base.value.plugins, recorder],
    logger: createCaptureLogger(logs, options.echo),
    clock: systemClock,
    backoff: options.backoff,
    output() {},
  });
  supervisor.on((event) => events.push(event));
  const started = await supervisor.start();
  // Workers say READY=1 at once unless the test decides: then it waits for what it needs with `until`.
  if (started.isOk() && options.readyAtOnce === undefined) await supervisor.whenReady();
  return {
    started,
    spawns,
    events,
    logs,
    recorded,
    supervisor,
    plans: (pool) => spawns.filter((s) => pool === undefined || s.pool === pool).map((s) => s.plan),
    pools: () => supervisor.pools(),
    exit(pool, id, code = 1, signal = null) {
      const worker = recorded.worker(pool, id);
      worker?.exit(code, signal);
      return worker !== undefined;
    },
    until,
    async stop() {
      await supervisor.stop();
      const done = await supervisor.done;
      return done.isErr() ? done : ok(undefined);
    },
  };
}

async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}
