/**
 * The plugin API: a plugin is `{ name, ...hooks }` made by an `xxxPlugin()`
 * factory (Rollup/Vite style). Hooks are typed by one interface map,
 * `BentoHooks`, that third parties extend by interface merging:
 *
 * ```ts
 * declare module "bento-kit" {
 *   interface BentoHooks { "acme:ready": ParallelHook<{ pool: string }, void> }
 * }
 * ```
 */
import type { Result } from "neverthrow";
import type { HookError, SpecError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { ControlRequest } from "./control.ts";
import type { SupervisorEvent } from "./events.ts";
import type { PoolView } from "./control.ts";
import type { BoundSocket, LaunchSpec, SocketSpec, SpawnPlan, WorkerExit } from "./types.ts";
import type { MetricFamily, MonitoringCollect } from "./metric-family.ts";

type Awaitable<T> = T | Promise<T>;

/**
 * Each handler gets the previous one's output and returns a new value, or Err
 * to veto: a reason (reported as "Plugin X vetoed hook: reason"), a `Veto`
 * object, or one of the core's spec errors (reported as it is, with its own
 * exit code).
 */
export interface WaterfallHook<T> {
  readonly kind: "waterfall";
  readonly value: T;
}

/** Every handler runs; errors are collected and logged, never fatal. */
export interface ParallelHook<T, R = void> {
  readonly kind: "parallel";
  readonly value: T;
  readonly result: R;
}

/**
 * A veto with a choice: in `beforeSpawn`, `err("reason")` keeps that one
 * worker down; `err({ message: "reason", stop: true })` stops the whole
 * service (exit 1).
 */
export interface Veto {
  readonly message: string;
  readonly stop?: boolean;
}

/** A worker that has just started; the input of `afterSpawn`. */
export interface SpawnedWorker {
  readonly pool: string;
  readonly workerId: number;
  readonly pid: number;
  /** The plan it was started from, as the `beforeSpawn` handlers shaped it. */
  readonly plan: SpawnPlan;
  /** The argv it runs, placeholders expanded. */
  readonly argv: readonly string[];
}

/** The stop signals a `beforeSignal` handler may choose. SIGKILL never goes through the hook. */
export type StopSignal = "SIGTERM" | "SIGINT";

/** A signal about to be sent to a worker's process group; the input of `beforeSignal`. */
export interface WorkerSignal {
  readonly pool: string;
  readonly workerId: number;
  readonly pid: number;
  readonly signal: StopSignal;
  /** `stop`: the service is stopping; `retire`: this worker is replaced (restart) or removed (scale down). */
  readonly why: "stop" | "retire";
}

/** A pool whose every process group is gone; the input of `afterPoolStop`. */
export interface PoolStopped {
  readonly pool: string;
  readonly role: string;
  /** The pool's last view: each worker's last exit. */
  readonly view: PoolView;
  /** `stop`: the service stopped as asked; `failure`: a pool gave up or a plugin stopped the service. */
  readonly cause: "stop" | "failure";
}

/** What an `onExit` handler may ask of the supervisor. */
export interface ExitAdvice {
  readonly respawn?: false;
}

/**
 * The built-in hooks, each declared once: its kind (read by the runner) and, in its type, its
 * value and result. `BentoHooks` is this object's type, so a new hook is one entry here.
 */
export const BUILT_IN_HOOKS = {
  /** Shape the launch spec before anything is bound (add sockets, env, pools). */
  launchSpec: { kind: "waterfall" } as WaterfallHook<LaunchSpec>,
  /** One socket about to be bound. */
  beforeBind: { kind: "waterfall" } as WaterfallHook<SocketSpec>,
  /** One worker about to be spawned; an Err keeps this worker down (`{ stop: true }`: stops the service). */
  beforeSpawn: { kind: "waterfall" } as WaterfallHook<SpawnPlan>,
  /** A worker was started (its pid is known). */
  afterSpawn: { kind: "parallel" } as ParallelHook<SpawnedWorker, void>,
  /** A stop signal about to be sent to a worker: change it, or Err to hold it back (SIGKILL at the graceful timeout still comes). */
  beforeSignal: { kind: "waterfall" } as WaterfallHook<WorkerSignal>,
  /** A worker ended. */
  onExit: { kind: "parallel" } as ParallelHook<WorkerExit, ExitAdvice | void>,
  /** A pool stopped: every process group it had is gone. */
  afterPoolStop: { kind: "parallel" } as ParallelHook<PoolStopped, void>,
  /** A control request (scale, restart, stop) about to run; an Err vetoes it. */
  beforeControl: { kind: "waterfall" } as WaterfallHook<ControlRequest>,
  /** Everything the supervisor does, as it happens: a subscriber of the event bus that `Supervisor.on()` listeners share. */
  onEvent: { kind: "parallel" } as ParallelHook<SupervisorEvent, void>,
};

/** The hooks the core runs. */
export type BuiltInHooks = typeof BUILT_IN_HOOKS;

/**
 * Every hook: the built-in ones, and those plugins declare by interface merging
 * (`declare module "bento-kit" { interface BentoHooks { ... } }`).
 */
export interface BentoHooks extends BuiltInHooks {
  /** Each scrape of the supervisor's metrics (declared by the monitoring plugin): handlers return the families they add. */
  "monitoring:collect": ParallelHook<MonitoringCollect, readonly MetricFamily[]>;
}

export type HookName = keyof BentoHooks & string;

/** The hooks whose handlers run one after another, each shaping the previous one's output. */
export type WaterfallHookName = { [K in HookName]: BentoHooks[K]["kind"] extends "waterfall" ? K : never }[HookName];

/** The hooks whose handlers all run at once. */
export type ParallelHookName = Exclude<HookName, WaterfallHookName>;

export type HookValue<K extends HookName> = BentoHooks[K]["value"];

/** What a parallel hook's handlers give back (those that returned nothing are left out). */
export type HookResult<K extends HookName> = BentoHooks[K] extends ParallelHook<unknown, infer R>
  ? Exclude<R, void | undefined>
  : never;

/** What a waterfall can end with: a veto or failure naming the plugin, or a spec error a plugin found. */
export type WaterfallError = HookError | SpecError;

/** A parallel hook's run: every handler's result, and the errors of those that failed. */
export interface ParallelOutcome<R> {
  readonly results: readonly R[];
  readonly errors: readonly HookError[];
}

/** What running hook `K` resolves to: a waterfall's `Result`, a parallel hook's results and errors. */
export type HookOutcome<K extends HookName> = BentoHooks[K]["kind"] extends "waterfall"
  ? Result<HookValue<K>, WaterfallError>
  : ParallelOutcome<HookResult<K>>;

export interface HookContext {
  /** A logger tagged with the plugin's name. */
  readonly logger: Logger;
  /** The launch spec (after the `launchSpec` waterfall once it has run). */
  readonly spec: LaunchSpec;
  /** Sockets bound so far, by name. */
  readonly sockets: ReadonlyMap<string, BoundSocket>;
  /** Run a hook declared by a plugin (or a built-in one): a waterfall's `Result`, or a parallel hook's `{ results, errors }`. */
  callHook<K extends HookName>(name: K, value: HookValue<K>): Promise<HookOutcome<K>>;
}

export type HookHandler<K extends HookName> = BentoHooks[K] extends WaterfallHook<infer T>
  ? (value: T, ctx: HookContext) => Awaitable<Result<T, string | Veto | SpecError>>
  : BentoHooks[K] extends ParallelHook<infer T, infer R>
    ? (value: T, ctx: HookContext) => Awaitable<Result<R, string> | R>
  : never;

/** A handler, optionally ordered before ("pre") or after ("post") the others. */
export type HookEntry<K extends HookName> =
  | HookHandler<K>
  | { readonly order: "pre" | "post"; readonly handler: HookHandler<K> };

export type PluginHooks = { readonly [K in HookName]?: HookEntry<K> };

export interface SetupContext {
  readonly logger: Logger;
}

export type BentoPlugin = PluginHooks & {
  /** `bento:xxx` for built-ins, `<scope>:<name>` for third parties. */
  readonly name: string;
  /**
   * Argv placeholder names this plugin gives values to (through the spec's
   * `vars` in `launchSpec`, or a plan's `vars` in `beforeSpawn`), e.g.
   * `["ssl_certfile"]`: the manifest check accepts `{ssl_certfile}` then.
   */
  readonly placeholders?: readonly string[];
  /** Hooks this plugin declares, with their kind, for `ctx.callHook`. */
  readonly hooks?: Readonly<Record<string, "waterfall" | "parallel">>;
  setup?(ctx: SetupContext): Awaitable<void>;
  /** Runs once when the supervisor stops, in reverse plugin order. */
  dispose?(): Awaitable<void>;
};

/** Typing helper: `export function acmePlugin() { return definePlugin({ name: "acme:x", ... }) }`. */
export function definePlugin<P extends BentoPlugin>(plugin: P): P {
  return plugin;
}
