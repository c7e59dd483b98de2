/**
 * `--reload` for a launch: the watcher (loaded only when asked), its patterns
 * from the options, and the line that says what it watches or why it is off.
 */
import type { BentoError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { OptionValues } from "../core/options/table.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { Supervisor } from "../core/supervisor.ts";
import type { LaunchSpec } from "../core/types.ts";
import type { Result } from "neverthrow";
import { systemClock } from "./_clock.ts";
import type { Built } from "./_reload.ts";
import type { LoadedService } from "./mode.ts";

export interface ReloadInput {
  readonly supervisor: Supervisor;
  readonly runtime: RuntimePort;
  readonly logger: Logger;
  readonly loaded: LoadedService;
  readonly workingDir: string;
  readonly values: OptionValues;
  readonly built: Built;
  rebuild(fresh: number): Promise<Result<Built, BentoError>>;
  finish(spec: LaunchSpec): LaunchSpec;
}

/** The running watcher, or undefined when reload is off (a warning says why). */
export async function startReloadFor(o: ReloadInput): Promise<{ close(): void } | undefined> {
  const { startReload, splitPatterns, watchRoots } = await import("./_reload.ts");
  const dir = o.loaded.dir;
  const reload = startReload({
    supervisor: o.supervisor,
    runtime: o.runtime,
    logger: o.logger,
    clock: systemClock,
    serviceDir: dir,
    manifestFile: o.loaded.file ?? dir,
    workingDir: o.workingDir,
    include: splitPatterns(o.values["reload-include"]),
    exclude: splitPatterns(o.values["reload-exclude"]),
    built: o.built,
    rebuild: o.rebuild,
    finish: o.finish,
  });
  if (reload.isErr()) {
    o.logger.warn(`Reload is off: ${reload.error}`);
    return undefined;
  }
  o.logger.info(
    `Reload on: watching ${watchRoots(dir, o.workingDir).join(" and ")} ` +
      "(ignoring .git, node_modules, __pycache__, .venv, *.pyc and .gitignore)",
  );
  return reload.value;
}
