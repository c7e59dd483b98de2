/**
 * The hook pipeline: runs plugin handlers in order (pre, normal, post; plugin
 * order within each), as waterfalls or in parallel. A throwing handler becomes
 * a `HookFailed` error naming plugin and hook.
 */
import { err, ok, type Result } from "neverthrow";
import { type HookError, hookFailed, hookVetoed, type SpecError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { BentoPlugin, HookContext, HookEntry, HookName, HookValue } from "./plugin.ts";
import type { Clock } from "./ports.ts";
import type { BoundSocket, LaunchSpec } from "./types.ts";

const BUILT_IN_KINDS: Readonly<Record<string, "waterfall" | "parallel">> = {
  launchSpec: "waterfall",
  beforeBind: "waterfall",
  beforeSpawn: "waterfall",
  afterSpawn: "parallel",
  beforeSignal: "waterfall",
  onExit: "parallel",
  afterPoolStop: "parallel",
  beforeControl: "waterfall",
  onEvent: "parallel",
};

type AnyHandler = (value: unknown, ctx: HookContext) => unknown;
interface Step {
  readonly plugin: string;
  readonly handler: AnyHandler;
}

export interface ParallelOutcome<R> {
  readonly results: readonly R[];
  readonly errors: readonly HookError[];
}

/** What a waterfall can end with: a veto or failure naming the plugin, or a spec error a plugin found. */
export type WaterfallError = HookError | SpecError;

export interface HookRunner {
  waterfall<K extends HookName>(name: K, value: HookValue<K>): Promise<Result<HookValue<K>, WaterfallError>>;
  parallel<K extends HookName>(name: K, value: HookValue<K>): Promise<ParallelOutcome<unknown>>;
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
  const kinds = { ...Object.assign({}, ...plugins.map((p) => p.hooks ?? {})), ...BUILT_IN_KINDS };
  const setUp: BentoPlugin[] = [];
  const contexts = new Map(plugins.map((p) => [p.name, makeContext(p.name)]));

  function makeContext(plugin: string): HookContext {
    return {
      logger: options.logger.withTag(plugin),
      get spec() {
        return spec;
      },
      sockets: options.sockets,
      callHook: (name, value) =>
        kinds[name] === "parallel" ? runner.parallel(name, value) : runner.waterfall(name, value),
    };
  }

  async function call(step: Step, name: string, value: unknown): Promise<Result<unknown, WaterfallError>> {
    try {
      const out = await withDeadline(Promise.resolve(step.handler(value, contexts.get(step.plugin)!)));
      if (!isResult(out)) {
        if (kinds[name] !== "waterfall") return ok(out);
        return err(
          hookFailed(
            step.plugin,
            name,
            new Error(`returned ${describeValue(out)} instead of ok(value) or err(reason)`),
          ),
        );
      }
      return out.isOk() ? ok(out.value) : err(vetoFrom(step.plugin, name, out.error));
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

  const runner: HookRunner = {
    async waterfall(name, value) {
      let current: unknown = value;
      for (const step of stepsFor(plugins, name)) {
        const out = await call(step, name, current);
        if (out.isErr()) return err(out.error);
        current = out.value;
      }
      return ok(current as HookValue<typeof name>);
    },
    async parallel(name, value) {
      const outs = await Promise.all(stepsFor(plugins, name).map((step) => call(step, name, value)));
      return {
        results: outs.flatMap((o) => (o.isOk() && o.value !== undefined ? [o.value] : [])),
        errors: outs.flatMap((o) => (o.isErr() ? [o.error as HookError] : [])),
      };
    },
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
  const reason = typeof error === "string" ? error : (error as { message?: unknown })?.message ?? JSON.stringify(error);
  const stop = typeof error === "object" && error !== null && (error as { stop?: unknown }).stop === true;
  return hookVetoed(plugin, hook, String(reason), stop);
}

function describeValue(value: unknown): string {
  return value === undefined ? "nothing" : typeof value === "object" ? "a plain value" : JSON.stringify(value);
}

function isResult(value: unknown): value is Result<unknown, unknown> {
  return typeof value === "object" && value !== null && "isOk" in value && "isErr" in value &&
    typeof (value as { isOk: unknown }).isOk === "function";
}
