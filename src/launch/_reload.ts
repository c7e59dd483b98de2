/**
 * `serve --reload`: watch the service directory (and the working dir, when it
 * is elsewhere) through the runtime adapter, leave out what the rules ignore,
 * gather a burst of saves into one batch, and hand the supervisor a reload
 * plan: every pool rolls when code changed; an edited manifest is loaded
 * again, checked, and its differences applied (or reported, changing nothing).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { createChangeBatch, DEFAULT_BATCH } from "../core/change-batch.ts";
import type { BentoError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { Clock, FileWatch, RuntimePort } from "../core/ports.ts";
import { planReload, type ReloadPlan } from "../core/reload-plan.ts";
import { createReloadFilter } from "../core/reload-rules.ts";

export { splitPatterns } from "../core/reload-rules.ts";
import { poolsConcerned } from "../core/import-graph.ts";
import type { Supervisor } from "../core/supervisor.ts";
import type { LaunchSpec } from "../core/types.ts";

/** A manifest, built: its launch spec (manifest worker counts, before plugins) and its plugins' names. */
export interface Built {
  readonly spec: LaunchSpec;
  readonly plugins: readonly string[];
}

export interface ReloadSetup {
  readonly supervisor: Supervisor;
  readonly runtime: RuntimePort;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly serviceDir: string;
  readonly manifestFile: string;
  readonly workingDir: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** What the service was started from. */
  readonly built: Built;
  /** Load the manifest again (`fresh` differs each time) and build it. */
  rebuild(fresh: number): Promise<Result<Built, BentoError>>;
  /** A plan's spec as it will run (development mode's stdin). */
  readonly finish: (spec: LaunchSpec) => LaunchSpec;
}

/** Start watching; Err says why reload is off (the service runs on without it). */
export function startReload(setup: ReloadSetup): Result<{ close(): void }, string> {
  const { runtime, logger, serviceDir } = setup;
  if (!runtime.watch) return err(`the ${runtime.name} adapter cannot watch files`);
  const gitignore = join(serviceDir, ".gitignore");
  const filter = createReloadFilter({
    gitignore: existsSync(gitignore) ? readFileSync(gitignore, "utf8") : undefined,
    include: setup.include,
    exclude: setup.exclude,
  });
  let built = setup.built;
  let fresh = 0;
  /** The last reload failed: the next one rolls every pool, whatever changed. */
  let dirty = false;
  const manifest = relative(serviceDir, setup.manifestFile);
  const batch = createChangeBatch(
    setup.clock,
    DEFAULT_BATCH,
    (files) =>
      reload(files).catch((error: unknown) =>
        logger.error(`Reload failed: ${error instanceof Error ? error.message : String(error)}`)
      ),
  );
  async function reload(files: readonly string[]): Promise<void> {
    const startedAt = setup.clock.now();
    const manifestChanged = files.includes(manifest);
    logger.info(`Reloading: ${describeFiles(files)} changed`);
    let request: Result<ReloadPlan, { message: string }>;
    let next: Built | undefined;
    if (manifestChanged) {
      const rebuilt = await setup.rebuild(++fresh);
      if (rebuilt.isOk()) next = rebuilt.value;
      request = rebuilt.isErr()
        ? err({ message: `${manifest} was not applied: ${rebuilt.error.message}` })
        : ok(plan(next!));
    } else request = ok(plan(undefined));
    if (request.isErr()) logger.error(request.error.message);
    for (const note of request.isOk() ? request.value.notes : []) logger.warn(`Reload: ${note}`);
    const done = await setup.supervisor.reload(files, request);
    if (request.isOk()) built = next ?? built;
    if (done.isOk()) {
      dirty = false;
      logger.info(`Reload done in ${setup.clock.now() - startedAt} ms`);
    } else if (request.isOk()) {
      dirty = true;
      // The reason in this line: without --development nothing above may say it (a busy pool logs nothing).
      logger.error(`Reload stopped: the running workers keep serving (${done.error.message}); save again to retry`);
    }

    function plan(nextBuilt: Built | undefined): ReloadPlan {
      const targets = Object.fromEntries(setup.supervisor.pools().map((p) => [p.name, p.target]));
      const code = files.filter((f) => f !== manifest).map((f) => join(serviceDir, f));
      // After a failed reload every pool rolls: what failed may be anywhere.
      const concerned = dirty ? undefined : poolsConcerned(setup.supervisor.spec.watchers, code, readText);
      const p = planReload({
        previous: built.spec,
        next: nextBuilt?.spec,
        targets,
        codeChanged: dirty || code.length > 0,
        concerned,
      });
      const notes = nextBuilt && nextBuilt.plugins.join() !== built.plugins.join()
        ? [...p.notes, "the manifest's plugins changed: restart serve to apply them"]
        : p.notes;
      return { ...p, spec: setup.finish(p.spec), notes };
    }
  }
  const watches: FileWatch[] = [];
  for (const root of watchRoots(serviceDir, setup.workingDir)) {
    const watched = runtime.watch(root, {
      skipDir: filter.skipDir,
      onChange: (paths) =>
        batch.add(paths.filter((p) => !filter.ignored(p)).map((p) => relative(serviceDir, join(root, p)))),
    });
    if (watched.isErr()) {
      for (const w of watches) w.close();
      batch.close();
      return err(watched.error.message);
    }
    watches.push(watched.value);
  }
  return ok({
    close() {
      batch.close();
      for (const w of watches) w.close();
    },
  });
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The service directory, and the working dir unless it is the same tree. */
export function watchRoots(serviceDir: string, workingDir: string): string[] {
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  if (inside(workingDir, serviceDir)) return [serviceDir];
  if (inside(serviceDir, workingDir)) return [workingDir];
  return [serviceDir, workingDir];
}

function describeFiles(files: readonly string[]): string {
  const shown = files.slice(0, 5).join(", ");
  return files.length === 1 ? shown : `${files.length} files (${shown}${files.length > 5 ? ", ..." : ""})`;
}
