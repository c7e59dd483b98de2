/** `bento-kit stop`: stop the running service gracefully and wait until it is gone. */
import { defineCommand } from "../_define-command.ts";
import { callAdmin, failClient, failUsage, findTarget, type Target, targetArgs } from "../terminal/_admin-client.ts";
import { instanceAlive } from "../../launch/_instances.ts";

export const stopCommand = defineCommand({
  meta: { name: "stop", description: "Stop the running service (as Ctrl+C would) and wait until every worker is gone" },
  args: {
    ...targetArgs,
    timeout: { type: "string", valueHint: "SECONDS", description: "How long to wait for it to be gone (default 120)" },
  },
  async run({ args }) {
    const seconds = args.timeout === undefined ? 120 : Number(args.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      return failUsage(`--timeout: expected a number of seconds, got "${args.timeout}"`);
    }
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const stopped = await callAdmin(target.value, "POST", "/v1/stop");
    // Already stopping (503 ServiceStopping) is fine: wait for it like any other stop.
    if (stopped.isErr() && !(stopped.error.kind === "AdminRefused" && stopped.error.apiKind === "ServiceStopping")) {
      return failClient(stopped.error);
    }
    const who = `${target.value.service ?? "the service"}${target.value.pid ? ` (pid ${target.value.pid})` : ""}`;
    if (await gone(target.value, seconds * 1000)) return void console.log(`Stopped ${who}`);
    process.stderr.write(
      `Error: ${who} is still stopping after ${seconds} s: see its log, or wait with bento-kit events\n`,
    );
    process.exitCode = 1;
  },
});

/** True once the supervisor is gone, by pid and start time (or, without a pid, its admin server no longer answers). */
export async function gone(target: Target, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const pid = target.pid;
    if (pid !== undefined ? !instanceAlive({ pid, pidStart: target.pidStart }) : !(await answers(target))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function answers(target: Target): Promise<boolean> {
  try {
    return (await fetch(`${target.url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}
