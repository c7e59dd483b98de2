/**
 * `bento-kit upgrade`: hot upgrade of the running service's supervisor (as
 * SIGUSR2 does). A new supervisor (the bento-kit on disk now, the manifest as
 * it is now) takes over every socket; once its workers are ready the old one
 * drains and exits. Exit 0 once the old one is gone; 1 with the reason when
 * the new one could not take over (the old one keeps serving).
 */
import { defineCommand } from "../_define-command.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { callAdmin, failClient, findTarget, type Target, targetArgs } from "../terminal/_admin-client.ts";
import { cliEnv } from "../../launch/_secret-env.ts";
import { stateDir } from "../../launch/_instances.ts";
import { gone } from "./stop.ts";

export const upgradeCommand = defineCommand({
  meta: {
    name: "upgrade",
    description: "Replace the supervisor by a new one that takes over every socket, with no request lost",
  },
  args: { ...targetArgs },
  async run({ args }) {
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const upgraded = await callAdmin<{ pid: number }>(target.value, "POST", "/v1/upgrade");
    if (upgraded.isErr()) return failClient(upgraded.error);
    const { service, pid } = target.value;
    const who = service ?? "the service";
    const from = pid === undefined ? "" : `pid ${pid} → `;
    // The old supervisor drains (its workers finish what they accepted) within its graceful timeout.
    if (pid !== undefined && !(await drained(target.value, pid, 120_000))) {
      process.stderr.write(
        `Error: ${who} upgraded to pid ${upgraded.value.pid}, but the old supervisor (pid ${pid}) is still draining\n`,
      );
      process.exitCode = 1;
      return;
    }
    console.log(`Upgraded ${who}: supervisor ${from}pid ${upgraded.value.pid}`);
  },
});

/**
 * The old supervisor is done: its process is gone, or (in a terminal, where it
 * stays as a thin parent of the new one) it removed its instance file.
 */
async function drained(target: Target, pid: number, ms: number): Promise<boolean> {
  const file = join(stateDir(cliEnv()), `${pid}.json`);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!existsSync(file)) return true;
    if (await gone(target, 100)) return true;
  }
  return false;
}
