/**
 * The hook pipeline: runs plugin handlers in order (pre, normal, post; plugin
 * order within each), as waterfalls or in parallel. A throwing handler becomes
 * a `HookFailed` error naming plugin and hook.
 */
import { err, ok, type Result } from "neverthrow";
import { type HookError, type HookFailed, hookFailed, type HookVetoed, hookVetoed, type SpecError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import {
  type BentoPlugin,
  BUILT_IN_HOOKS,
  type HookContext,
  type HookEntry,
  type HookName,
  type HookOutcome,
  type HookResult,
  type HookValue,
  type ParallelHookName,
  type ParallelOutcome,
  type WaterfallError,
  type WaterfallHookName,
} from "./plugin.ts";
import type { Clock } from "./ports.ts";
import type { BoundSocket, LaunchSpec } from "./types.ts";

export type { ParallelOutcome, WaterfallError } from "./plugin.ts";

type Kind = "waterfall" | "parallel";
type AnyHandler = (value: unknown, ctx: HookContext) => unknown;
interface Step {
  readonly plugin: string;
  readonly handler: AnyHandler;
}

/** Each hook's result is the one its catalog entry (`BentoHooks`) declares. */
export interface HookRunner {
  waterfall<K extends WaterfallHookName>(name: K, value: HookValue<K>): Promise<Result<HookValue<K>, WaterfallError>>;
  parallel<K extends ParallelHookName>(name: K, value: HookValue<K>): Promise<ParallelOutcome<HookResult<K>>>;
  /** Any hook, by its kind (what `ctx.callHook` runs). */
  call<K extends HookName>(name: K, value: HookValue<K>): Promise<HookOutcome<K>>;
  /** True when some plugin has a handler for `name` (the supervisor skips hooks nobody listens to where timing matters). */
  handles(name: HookName): boolean;
  setSpec(spec: LaunchSpec): void;
  setup(): Promise<Result<void, HookError>>;
  dispose(): Promise<readonly HookError[]>;
}

export interface HookRunnerOptions {
  readonly logger: Logger;
  readonly spec: LaunchSpec;
  readonly sockets: ReadonlyMap<string, BoundSocket>;
  /** With a clock, a handler that has not settled after `timeoutMs` fails (a hung plugin cannot hang the supervisor). */
  readonly clock?: Clock;
  readonly timeoutMs?: number;
}

/** How long one hook handler may take. */
export const HOOK_TIMEOUT_MS = 10_000;

export function createHookRunner(plugins: readonly BentoPlugin[], options: HookRunnerOptions): HookRunner {
  let spec = options.spec;
  // Plugins declare their own hooks; they cannot change the kind of a built-in one.
  const declared = new Map<string, Kind>(plugins.flatMap((p) => Object.entries(p.hooks ?? {})));
  const kindOf = (name: string): Kind | undefined =>
    Object.hasOwn(BUILT_IN_HOOKS, name) ? BUILT_IN_HOOKS[name as keyof typeof BUILT_IN_HOOKS].kind : declared.get(name);
  const setUp: BentoPlugin[] = [];
  const contexts = new Map(plugins.map((p) => [p.name, makeContext(p.name)]));

  function makeContext(plugin: string): HookContext {
    return {
      logger: options.logger.withTag(plugin),
      get spec() {
        return spec;
      },
      sockets: options.sockets,
      callHook: (name, value) => runner.call(name, value),
    };
  }

  /** One handler; its Err becomes `toError`'s error, its throw (or a waterfall's bare value) a `HookFailed`. */
  async function call<E>(
    step: Step,
    name: string,
    value: unknown,
    toError: (plugin: string, hook: string, error: unknown) => E,
  ): Promise<Result<unknown, E | HookFailed>> {
    try {
      const out = await withDeadline(Promise.resolve(step.handler(value, contexts.get(step.plugin)!)));
      if (!isResult(out)) {
        if (kindOf(name) !== "waterfall") return ok(out);
        return err(
          hookFailed(
            step.plugin,
            name,
            new Error(`returned ${describeValue(out)} instead of ok(value) or err(reason)`),
          ),
        );
      }
      return out.isOk() ? ok(out.value) : err(toError(step.plugin, name, out.error));
    } catch (cause) {
      return err(hookFailed(step.plugin, name, cause));
    }
  }

  function withDeadline<T>(work: Promise<T>): Promise<T> {
    const { clock, timeoutMs = HOOK_TIMEOUT_MS } = options;
    if (!clock) return work;
    let timer: { cancel(): void } | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new Error(`did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return Promise.race([work, expired]).finally(() => timer?.cancel());
  }

  async function runWaterfall(name: string, value: unknown): Promise<Result<unknown, WaterfallError>> {
    let current = value;
    for (const step of stepsFor(plugins, name)) {
      const out = await call(step, name, current, vetoFrom);
      if (out.isErr()) return err(out.error);
      current = out.value;
    }
    return ok(current);
  }

  async function runParallel(name: string, value: unknown): Promise<ParallelOutcome<unknown>> {
    const outs = await Promise.all(stepsFor(plugins, name).map((step) => call(step, name, value, parallelError)));
    return {
      results: outs.flatMap((o) => (o.isOk() && o.value !== undefined ? [o.value] : [])),
      errors: outs.flatMap((o) => (o.isErr() ? [o.error] : [])),
    };
  }

  // The handlers are typed where plugins declare them (`PluginHooks`), by the same catalog entry
  // as the hook's value: what they resolve to is the hook's declared result.
  const runner: HookRunner = {
    waterfall: (name, value) => runWaterfall(name, value) as Promise<Result<HookValue<typeof name>, WaterfallError>>,
    parallel: (name, value) => runParallel(name, value) as Promise<ParallelOutcome<HookResult<typeof name>>>,
    call: (name, value) =>
      (kindOf(name) === "parallel" ? runParallel(name, value) : runWaterfall(name, value)) as Promise<
        HookOutcome<typeof name>
      >,
    handles: (name) => stepsFor(plugins, name).length > 0,
    setSpec(next) {
      spec = next;
    },
    async setup() {
      for (const plugin of plugins) {
        try {
          await withDeadline(Promise.resolve(plugin.setup?.({ logger: options.logger.withTag(plugin.name) })));
          setUp.push(plugin);
        } catch (cause) {
          return err(hookFailed(plugin.name, "setup", cause));
        }
      }
      return ok(undefined);
    },
    async dispose() {
      const errors: HookError[] = [];
      // Only the plugins whose setup ran, in reverse order.
      for (const plugin of setUp.splice(0).reverse()) {
        try {
          await withDeadline(Promise.resolve(plugin.dispose?.()));
        } catch (cause) {
          errors.push(hookFailed(plugin.name, "dispose", cause));
        }
      }
      return errors;
    },
  };
  return runner;
}

function stepsFor(plugins: readonly BentoPlugin[], name: string): Step[] {
  const rank = { pre: 0, normal: 1, post: 2 } as const;
  const steps: { step: Step; rank: number }[] = [];
  for (const plugin of plugins) {
    const entry = (plugin as Record<string, unknown>)[name] as HookEntry<HookName> | undefined;
    if (entry === undefined) continue;
    const handler = (typeof entry === "function" ? entry : entry.handler) as AnyHandler;
    const order = typeof entry === "function" ? "normal" : entry.order;
    steps.push({ step: { plugin: plugin.name, handler }, rank: rank[order] });
  }
  return steps.sort((a, b) => a.rank - b.rank).map((s) => s.step);
}

const SPEC_ERROR_KINDS: readonly string[] = [
  "OptionInvalid",
  "SocketPathTooLong",
  "EnvInvalid",
  "TlsInvalid",
] satisfies SpecError["kind"][];

/** A plugin's Err: a core spec error passes through; anything else is a veto with its text. */
function vetoFrom(plugin: string, hook: string, error: unknown): WaterfallError {
  if (typeof error === "object" && error !== null && SPEC_ERROR_KINDS.includes((error as SpecError).kind)) {
    return error as SpecError;
  }
  const stop = typeof error === "object" && error !== null && (error as { stop?: unknown }).stop === true;
  return hookVetoed(plugin, hook, reasonOf(error), stop);
}

/** A parallel handler's Err is logged as that plugin's veto, whatever it holds. */
function parallelError(plugin: string, hook: string, error: unknown): HookVetoed {
  return hookVetoed(plugin, hook, reasonOf(error));
}

function reasonOf(error: unknown): string {
  const reason = typeof error === "string" ? error : (error as { message?: unknown })?.message ?? JSON.stringify(error);
  return String(reason);
}

function describeValue(value: unknown): string {
  return value === undefined ? "nothing" : typeof value === "object" ? "a plain value" : JSON.stringify(value);
}

function isResult(value: unknown): value is Result<unknown, unknown> {
  return typeof value === "object" && value !== null && "isOk" in value && "isErr" in value &&
    typeof (value as { isOk: unknown }).isOk === "function";
}
