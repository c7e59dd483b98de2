/**
 * A manifest module runs inside the supervisor, so a `process.exit()` in it
 * (`if (!process.env.X) process.exit(1)` is common in config files) would end
 * the supervisor on the spot: no graceful stop, its instance file left behind.
 * While a manifest loads (`withoutExit`), `process.exit` and `Deno.exit` throw
 * an `ExitCalled` instead, and the load fails as an invalid manifest. The
 * supervisor's own exits go through `exitProcess`, which always ends the
 * process, guard or not (a signal or a stop may come while a manifest loads).
 * The state lives on globalThis: one guard even if this module is loaded twice.
 */
type Exit = (code?: number | string | null) => never;

interface GuardState {
  /** Loads in progress (a reload may overlap a slow one). */
  depth: number;
  /** The supervisor is exiting: the guard lets it. */
  exiting: boolean;
  process?: Exit;
  deno?: Exit;
}

const KEY = Symbol.for("bento-kit.exit-guard");

function state(): GuardState {
  const g = globalThis as Record<symbol, GuardState | undefined>;
  return g[KEY] ??= { depth: 0, exiting: false };
}

/** Thrown by `process.exit()` (or `Deno.exit()`) called while a manifest loads. */
export class ExitCalled extends Error {
  constructor(readonly call: string) {
    super(`${call} was called while the manifest loaded`);
  }
}

function denoNamespace(): Record<string, unknown> | undefined {
  return (globalThis as { Deno?: Record<string, unknown> }).Deno;
}

/** Run `load` with process.exit (and Deno.exit) throwing ExitCalled instead of ending the supervisor. */
export async function withoutExit<T>(load: () => Promise<T>): Promise<T> {
  const s = state();
  if (s.depth++ === 0) {
    s.process = process.exit as Exit;
    process.exit = guard(s.process, "process.exit") as typeof process.exit;
    const deno = denoNamespace();
    if (typeof deno?.exit === "function") {
      s.deno = deno.exit as Exit;
      deno.exit = guard(s.deno, "Deno.exit");
    }
  }
  try {
    return await load();
  } finally {
    if (--s.depth === 0) {
      if (s.process) process.exit = s.process as typeof process.exit;
      const deno = denoNamespace();
      if (deno && s.deno) deno.exit = s.deno;
      s.process = s.deno = undefined;
    }
  }
}

function guard(real: Exit, name: string): Exit {
  return function exit(code?: number | string | null): never {
    if (state().exiting) return code === undefined ? real() : real(code);
    throw new ExitCalled(`${name}(${code ?? ""})`);
  };
}

/** The supervisor ends the process: never held back by the guard. */
export function exitProcess(code?: number): never {
  state().exiting = true;
  // Node's exit(undefined) sets the exit code to undefined (0): no argument keeps process.exitCode.
  return code === undefined ? process.exit() : process.exit(code);
}
