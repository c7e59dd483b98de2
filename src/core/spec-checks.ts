/**
 * Checks on a built launch spec that need no runtime: every placeholder a
 * command uses has a value (`{timeout}` needs --timeout), and every worker's
 * argv and environment fit what exec accepts. Found here, they are config
 * errors (exit 2) before anything is bound or started.
 */
import { err, ok, type Result } from "neverthrow";
import { unsetPlaceholders } from "./command.ts";
import { type EnvInvalid, envInvalid, type OptionInvalid, optionInvalid } from "./errors.ts";
import { execSizeProblem } from "./env-rules.ts";
import type { LaunchSpec } from "./types.ts";

/** The option that gives a placeholder its value, for the message. */
const OPTION_OF: Readonly<Record<string, readonly [flag: string, env: string, manifest: string]>> = {
  timeout: ["--timeout", "BENTO_TIMEOUT", "serve.timeout"],
  timeout_keep_alive: ["--timeout-keep-alive", "", "serve.timeoutKeepAlive"],
};

export function checkLaunchSpec(spec: LaunchSpec): Result<LaunchSpec, OptionInvalid | EnvInvalid> {
  for (const w of spec.watchers) {
    const [name] = unsetPlaceholders(w.command, spec.vars);
    if (name !== undefined) {
      const [flag, env, manifest] = OPTION_OF[name] ?? [`{${name}}`, "", ""];
      const where = [env && `env ${env}`, manifest && `manifest ${manifest}`].filter(Boolean).join(", ");
      return err(optionInvalid(
        flag,
        `is not set, but pool ${w.name}'s command uses {${name}}: ` +
          `pass ${flag.startsWith("--") ? `${flag} SECONDS` : "a value"}${
            where ? ` (or ${where})` : ""
          }, or remove {${name}} from the command`,
      ));
    }
    const argv = w.command.kind === "argv" ? w.command.argv : [w.command.module, ...w.command.args];
    for (let id = 1; id <= Math.max(1, w.workerEnv.length); id++) {
      const problem = execSizeProblem(argv, { ...w.env, ...w.workerEnv[id - 1] });
      if (problem) return err(envInvalid(w.name, `Pool ${w.name} cannot start a worker: ${problem}`));
    }
  }
  return ok(spec);
}
