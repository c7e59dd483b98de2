/**
 * The layers of bento-kit's code, checked (`.ci/check-layers` runs this with
 * bun): the static import graph of mod.ts, bin/, src/ and plugins/ must have no
 * cycle, and no module may import one its layer does not list below.
 *
 * Static imports only, as tsc resolves them: `import ... from`, `export ...
 * from` (type-only ones too), `import "..."`. A dynamic `import()` makes no
 * edge: it is how the CLI loads a command, or the supervisor an adapter, late.
 * Lines that start a comment (`//`, `/*`, ` *`) are not read.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { relativeSpecifiers, resolveImport } from "../src/core/import-graph.ts";

/**
 * Lowest first. A module may import modules of its own layer and of the
 * layers in its `imports` column, nothing else; that column names only layers
 * above its row (checked too). In it a folder stands for every module in it,
 * `folder/*` for its public modules only (file name not starting with `_`, at
 * any depth), a file for that file.
 */
/** Leaves anyone may import: the package's own files, its version, timers of any length, a GET on a Unix socket. */
const LEAVES = ["src/package-file.ts", "src/version.ts", "src/timer.ts", "src/unix-get.ts"];

const LAYERS: readonly Layer[] = [
  // Pure: types, errors, manifest, the options table, spec builders, hooks, supervisor logic (.ci/check-core-purity).
  ["src/core", []],
  ...LEAVES.map((leaf): Layer => [leaf, []]),
  // The runtime adapters: the only place runtime APIs live.
  ["src/runtime", ["src/core", ...LEAVES]],
  // The worker library (bento-kit/worker); only worker programs import it.
  ["src/worker", ["src/core", ...LEAVES]],
  // A worker program (the gRPC metrics server, prom_server).
  ["src/metrics-server", ["src/worker", "src/core", ...LEAVES]],
  // The built-in plugins, written as a third party's: the core through its public module
  // only. They run in the supervisor on any runtime, so they may use the runtime's public
  // modules (monitoring serves its socket through one), never an adapter's internals.
  ["plugins", ["src/core/public.ts", "src/runtime/*"]],
  // The admin app (Hono): routes over the core's control port; the launch pipeline serves it.
  ["src/admin", ["src/core", ...LEAVES]],
  // One launch pipeline, a plan per mode.
  ["src/launch", ["src/admin", "plugins", "src/runtime", "src/core", ...LEAVES]],
  // Beside the CLI: the exports (compose, Kubernetes), planned by the launch pipeline.
  ["src/export", ["src/launch", "src/admin", "plugins", "src/runtime", "src/core", ...LEAVES]],
  // bento-kit/testing: starts a service through the launch pipeline, not through the CLI.
  ["src/testing", ["src/launch", "src/admin", "plugins", "src/runtime", "src/core", ...LEAVES]],
  // The commands.
  ["src/cli", ["src/export", "src/launch", "src/admin", "plugins", "src/runtime", "src/core", ...LEAVES]],
  // The `bento-kit` command (loads the CLI's bootstrap).
  ["bin", ["src/cli"]],
  // The package's entry: anything. Nothing imports it (no row names it).
  ["mod.ts", ["*"]],
];

type Layer = readonly [name: string, imports: readonly string[]];

const ROOTS = ["mod.ts", "bin", "src", "plugins"];
const CODE = /\.(?:[cm]?[jt]sx?)$/;
const COMMENT = /^\s*(?:\/\/|\/\*|\*)/;

const root = resolve(import.meta.dir, "..");
const files = ROOTS.flatMap((r) => codeFiles(r));
const read = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files) {
  const text = read(join(root, file))!.split("\n").filter((l) => !COMMENT.test(l)).join("\n");
  const targets: string[] = [];
  for (const specifier of relativeSpecifiers(text, { dynamic: false })) {
    const found = resolveImport(join(root, file), specifier, read);
    if (found === undefined) problems.push(`${file}: cannot resolve "${specifier}"`);
    else targets.push(relative(root, found));
  }
  graph.set(file, [...new Set(targets)]);
}

// The table itself is layered: a row lists only rows above it (mod.ts aside).
LAYERS.forEach(([name, imports], row) => {
  for (const allowed of imports.filter((a) => a !== "*")) {
    const at = LAYERS.findIndex(([other]) => inside(allowed.replace(/\/\*$/, ""), other));
    if (at < 0 || at >= row) problems.push(`LAYERS: ${name} may import ${allowed}, which is not a layer below it`);
  }
});
for (const [file, targets] of graph) {
  const from = layerOf(file);
  if (from === undefined) problems.push(`${file}: in no layer (add its folder to LAYERS)`);
  else {
    for (const target of targets.filter((t) => !mayImport(from, t))) {
      problems.push(`${file} → ${target}: ${whyNot(from, target)}`);
    }
  }
}
const cycles = importCycles(graph);
for (const cycle of cycles) problems.push(`import cycle: ${cycle.join(" → ")}`);

if (problems.length > 0) {
  console.log(
    `The import graph breaks its layers (${problems.length} problems; the table is in scripts/check-layers.ts):`,
  );
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
console.log(`${files.length} modules, no import cycle, no import across a layer the wrong way`);

/** The project's modules under `path` (relative to the root). */
function codeFiles(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .map((f) => join(path, f))
    .filter((f) => CODE.test(f) && !f.endsWith(".d.ts"))
    .sort();
}

function inside(file: string, name: string): boolean {
  return file === name || file.startsWith(`${name}/`);
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.find(([name]) => inside(file, name));
}

function mayImport([name, imports]: Layer, target: string): boolean {
  if (inside(target, name)) return true;
  return imports.some((allowed) => {
    if (allowed === "*") return true;
    if (allowed.endsWith("/*")) {
      return inside(target, allowed.slice(0, -2)) && !target.split("/").at(-1)!.startsWith("_");
    }
    return inside(target, allowed);
  });
}

function whyNot([name, imports]: Layer, target: string): string {
  const to = layerOf(target)?.[0];
  if (to === undefined) return `${target} is in no layer`;
  const some = imports.filter((allowed) => inside(allowed.replace(/\/\*$/, ""), to));
  if (some.length === 0) return `${name} may not import ${to}`;
  const named = some.map((a) => a.endsWith("/*") ? "its public modules (no file named _*)" : a);
  return `${name} may import from ${to} only ${named.join(", ")}`;
}

/** One cycle (a → b → … → a) per strongly connected component that has one (Tarjan). */
function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    for (let w = ""; w !== v;) {
      w = stack.pop()!;
      onStack.delete(w);
      component.add(w);
    }
    if (component.size > 1 || edges.get(v)?.includes(v)) cycles.push(cycleThrough(v, component, edges));
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The shortest path from `start` back to itself inside `component` (breadth first). */
function cycleThrough(
  start: string,
  component: ReadonlySet<string>,
  edges: ReadonlyMap<string, readonly string[]>,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (component.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
