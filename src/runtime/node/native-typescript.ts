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
import { pathToFileURL } from "node:url";
import { reloadsFailedModules } from "../shared/_node-reload.ts";
import { NEEDS_TSX_EXIT } from "../shared/_needs-tsx.ts";

const STARTED = Symbol.for("bento-kit.worker-code-started");
const MARKER = `data:text/javascript,globalThis[Symbol.for(${JSON.stringify(STARTED.description)})]()`;
/** What Node refuses that tsx runs, as a module imported once the worker runs meets it. */
const REFUSALS = new Set([
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
  "ERR_UNKNOWN_FILE_EXTENSION",
  "ERR_MODULE_NOT_FOUND", // an import without its extension (a module truly missing costs one restart)
  "ERR_UNSUPPORTED_DIR_IMPORT",
  "ERR_IMPORT_ATTRIBUTE_MISSING", // a JSON import without `with { type: "json" }`
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
// A process the worker starts itself (fork, a worker thread) inherits this preload with process.execArgv; on Node
// 22 nothing would restart it through tsx: it gets tsx, as under `node --import tsx`.
if (!RELOADS_FAILED_MODULES) {
  const own = process.execArgv.findIndex((arg, i) => arg === "--import" && isThisModule(process.execArgv[i + 1]));
  if (own >= 0) process.execArgv[own + 1] = import.meta.resolve(TSX);
}
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
      return { ...loaded, source: firstLine(textOf(loaded.source), `import ${JSON.stringify(MARKER)};`) };
    }
    if (!retrying || url !== entry || loaded.source === undefined || loaded.source === null) return loaded;
    // Imported again by the fallback, the entry is no longer Node's main module: it still is the worker's.
    hooks.deregister();
    return { ...loaded, source: firstLine(textOf(loaded.source), "import.meta.main = true;") };
  },
});

/** A module's source as text: a string, or UTF-8 bytes (another hook's), without a byte order mark. */
function textOf(source: string | ArrayBuffer | ArrayBufferView): string {
  return typeof source === "string" ? source.replace(/^\uFEFF/, "") : new TextDecoder().decode(source);
}

/** `source` with `statement` put first: on line 1, or after a `#!` line (only first in a file). */
function firstLine(source: string, statement: string): string {
  if (!source.startsWith("#!")) return statement + source;
  const eol = /\r\n?|[\n\u2028\u2029]/.exec(source);
  if (eol === null) return `${source}\n${statement}`;
  const at = eol.index + eol[0].length;
  return `${source.slice(0, at)}${statement}${source.slice(at)}`;
}

/** Node could not load the worker's modules: nothing of the worker ran, so it is loaded again through tsx. */
const runWithTsx = (error: unknown): void => {
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
  // The worker's own failure is thrown as its main module's would be (exit code 1), not left an unhandled
  // rejection that a handler of its own (or --unhandled-rejections=warn) could swallow.
  import(TSX).then(() => import(entry!)).catch((failure: unknown) => {
    process.nextTick(() => {
      throw failure;
    });
  });
};

/** The worker's code runs (or cannot be told apart): from now on nothing is retried. */
function noFallback(): void {
  process.off("uncaughtException", runWithTsx);
  hooks.deregister(); // never while retrying: the retry injects no marker, and its entry is not the first load
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
  if (!REFUSALS.has(codeOf(error))) return;
  console.error(error);
  console.error(
    "bento-kit: Node runs this TypeScript worker itself and could not run a module it imported once it was " +
      "running (above): this pool's next workers run through tsx.",
  );
  process.exit(NEEDS_TSX_EXIT);
}

function codeOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  return String(e?.code ?? e?.name);
}

function isThisModule(arg: string | undefined): boolean {
  if (arg === undefined) return false;
  return arg === import.meta.url || (arg.startsWith("/") && pathToFileURL(arg).href === import.meta.url);
}
