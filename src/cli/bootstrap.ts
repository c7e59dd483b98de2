/**
 * How the CLI starts, written once for its two entry points: bin/bento-kit.mjs
 * (npx, bunx, `deno run npm:bento-kit`; the compiled CLI in dist/, or the source
 * in a checkout) and mod.ts run as the main module (`deno run -A mod.ts`,
 * `bun mod.ts`).
 *
 * 1. `prepareCli()`, first thing: until `serve` listens for stop signals itself
 *    nothing has been started, so a SIGINT (Ctrl+C), SIGTERM or SIGHUP means
 *    "exit now", with code 0. `serve` removes these handlers once its own are in
 *    place (src/cli/_signals.ts, through the function stored under
 *    `Symbol.for("bento-kit.early-stop")`), so no signal falls in between. Then,
 *    under Deno, the missing permissions are named in one line
 *    (src/cli/_deno-permissions.ts) before anything reads the environment or a file.
 * 2. `startCli()`: as PID 1 (a container without --init) orphans must be
 *    reaped (src/cli/_pid1.ts); then the CLI runs, unless the PID 1 start handed
 *    it to a child (Node).
 */
import { exitProcess } from "../launch/_exit-guard.ts";
import { checkDenoPermissions } from "./_deno-permissions.ts";

const EARLY_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Stop signals mean "exit now" until `serve` handles them; Deno's permissions checked. */
export function prepareCli(): void {
  const exitNow = () => exitProcess(0);
  for (const s of EARLY_SIGNALS) process.on(s, exitNow);
  (globalThis as Record<symbol, unknown>)[Symbol.for("bento-kit.early-stop")] = () =>
    EARLY_SIGNALS.forEach((s) => process.off(s, exitNow));
  checkDenoPermissions();
}

/** The PID 1 start (a no-op when this process is not PID 1), then the CLI. */
export async function startCli(): Promise<void> {
  const mode = process.pid === 1 ? await (await import("./_pid1.ts")).asInit() : "not-pid1";
  if (mode !== "wrapped") await (await import("./main.ts")).runCli();
}
