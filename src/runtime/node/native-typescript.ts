/**
 * A TypeScript worker on Node run by Node itself (type stripping, Node 22.18
 * and later), with tsx as the fallback for what Node cannot run: loaded with
 * `node --import <this file> worker.ts` (src/runtime/shared/_node-binary.ts).
 * tsx costs every worker a loader thread, an esbuild service and about
 * 200 ms of CPU at start; most workers need none of it.
 *
 * What Node refuses in the modules the worker imports (an enum, a parameter
 * property, a decorator, an import without its extension, a JSON import
 * without `with { type: "json" }`, TypeScript inside node_modules) fails
 * before any line of the worker runs: then tsx is loaded and the worker
 * imported again, in the same process, as `node --import tsx worker.ts`
 * would have run it (`import.meta.main` still true); on Node 22, which keeps
 * a failed module failed, the worker exits (NEEDS_TSX_EXIT) and the next
 * ones start through tsx. A worker that fails so
 * because its code is wrong fails the same way under tsx, which reports it.
 * Whether the worker's code began to run is told by a marker module the
 * entry imports first (its source gets the import on line 1, after a `#!`
 * line on line 2: columns on that line shift in stack traces). Once it runs, nothing is run twice: a module
 * it imports later with `import()` that Node refuses (and nothing catches)
 * stops the worker as a crash would, and the supervisor starts the pool's
 * next workers through tsx (docs/worker-runtimes.md).
 */
import { enableCompileCache, registerHooks } from "node:module";
import { reloadsFailedModules } from "../shared/_node-reload.ts";
import { NEEDS_TSX_EXIT } from "../shared/_needs-tsx.ts";

const STARTED = Symbol.for("bento-kit.worker-code-started");
const MARKER = `data:text/javascript,globalThis[Symbol.for(${JSON.stringify(STARTED.description)})]()`;
/** Node's refusals of TypeScript that tsx runs, as a module imported later meets them. */
const TYPESCRIPT_REFUSALS = new Set([
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
  "ERR_UNKNOWN_FILE_EXTENSION",
]);

// Node keeps what it compiled (the stripped TypeScript too) in $TMPDIR/node-compile-cache, as bin/bento-kit.mjs
// does for the CLI: a worker's start after the first strips and compiles nothing it did before (iris: 300 -> 185
// ms of CPU to import its API app). NODE_COMPILE_CACHE chooses the directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
enableCompileCache();

const TSX: string = "tsx"; // tsx's loader entry has no types
/**
 * Node 24 and later load a module that failed again when it is imported again; Node 22 keeps the failure
 * (the retry fails the same way): there the worker exits with NEEDS_TSX_EXIT before any of it ran, and the
 * supervisor starts its pool's next workers through tsx.
 */
const RELOADS_FAILED_MODULES = reloadsFailedModules();
/** The entry's URL, once loaded: the first module loaded after this one (Node's main module, its real path). */
let entry: string | undefined;
let retrying = false;

const hooks = registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    if (entry === undefined) {
      entry = url;
      // The marker is an import: only an ES module can carry it. Any other entry gets no fallback at all.
      const esm = loaded.format === "module" || loaded.format === "module-typescript";
      if (!esm || loaded.source === undefined || loaded.source === null) return (noFallback(), loaded);
      return { ...loaded, source: withMarker(String(loaded.source)) };
    }
    if (!retrying || url !== entry || loaded.source === undefined || loaded.source === null) return loaded;
    // Imported again by the fallback, the entry is no longer Node's main module: it still is the worker's.
    hooks.deregister();
    return { ...loaded, source: String(loaded.source).replaceAll("import.meta.main", "true") };
  },
});

/** `source` importing the marker first: on line 1, or on line 2 after a `#!` line (only first in a file). */
function withMarker(source: string): string {
  const marker = `import ${JSON.stringify(MARKER)};`;
  if (!source.startsWith("#!")) return marker + source;
  const eol = source.indexOf("\n");
  return eol < 0 ? `${source}\n${marker}` : `${source.slice(0, eol + 1)}${marker}${source.slice(eol + 1)}`;
}

/** Node could not load the worker's modules: nothing of the worker ran, so it is loaded again through tsx. */
const runWithTsx = async (error: unknown): Promise<void> => {
  process.off("uncaughtException", runWithTsx);
  if (entry === undefined) {
    // Not even the entry loaded (a missing file): reported as Node would, exit code 1.
    console.error(error);
    process.exit(1);
  }
  if (!RELOADS_FAILED_MODULES) {
    console.error(
      `bento-kit: Node ${process.version} could not run this TypeScript worker itself ` +
        `(${codeOf(error)}): this pool's next workers run through tsx.`,
    );
    process.exit(NEEDS_TSX_EXIT);
  }
  retrying = true;
  await import(TSX);
  await import(entry);
};

/** The worker's code runs (or cannot be told apart): from now on nothing is retried. */
function noFallback(): void {
  process.off("uncaughtException", runWithTsx);
  if (!retrying) hooks.deregister();
}

(globalThis as Record<symbol, unknown>)[STARTED] = () => {
  noFallback();
  process.on("uncaughtExceptionMonitor", explainRefusal);
};
process.on("uncaughtException", runWithTsx);

/**
 * A module imported once the worker ran was refused: this worker cannot start again in place. It stops with
 * NEEDS_TSX_EXIT, and the supervisor starts this pool's next workers through tsx (src/runtime/shared/_typescript-workers.ts).
 */
function explainRefusal(error: unknown): void {
  if (!TYPESCRIPT_REFUSALS.has(codeOf(error))) return;
  console.error(error);
  console.error(
    "bento-kit: Node runs this TypeScript worker itself and could not run a module it imported once it was " +
      "running (above): this pool's next workers run through tsx.",
  );
  process.exit(NEEDS_TSX_EXIT);
}

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code);
}
