/**
 * Launchers that drop stop signals: `npx bento-kit serve` and `npm start` run
 * bento-kit through `sh -c`. A SIGTERM sent to the npm process alone (as
 * `docker stop` or systemd's KillMode=mixed do) reaches that `sh`, which dies
 * without passing it on. So when a package manager started us, the death of
 * our parent means "stop": bento-kit polls its parent pid and stops gracefully
 * when it changes. Started any other way (a shell, nohup, systemd), a parent
 * that goes away changes nothing; nor for the supervisor an upgrade started
 * (_upgrade.ts): its parent is the supervisor it replaces, which exits by design.
 */

/** Environment variables npm, npx, pnpm, yarn and bun set for what they run. */
export const LAUNCHER_VARS = ["npm_lifecycle_event", "npm_command", "npm_execpath"];
const POLL_MS = 250;

export function launchedByPackageManager(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return LAUNCHER_VARS.some((name) => env[name] !== undefined && env[name] !== "");
}

export function watchLauncher(onGone: () => void, env = process.env): { cancel(): void } {
  if (!launchedByPackageManager(env)) return { cancel() {} };
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, POLL_MS);
  (timer as { unref?(): void }).unref?.();
  return { cancel: () => clearInterval(timer) };
}
