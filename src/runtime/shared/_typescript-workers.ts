/**
 * How a supervisor starts module workers on Node: Node runs TypeScript itself
 * where it can (type stripping; src/runtime/node/native-typescript.ts loads
 * tsx in the worker when Node refuses its modules), through tsx otherwise.
 * A worker that met a module Node refuses exits with NEEDS_TSX_EXIT: its
 * module's next workers start through tsx.
 *
 * A Node supervisor asks its own Node (the workers run on it). A Bun or Deno
 * supervisor runs the first `node` on PATH, of any version: it asks that one
 * once, when it starts its first Node worker (one `node -e`, some 40 ms).
 */
import { spawnSync } from "node:child_process";
import type { ChildProcessHandle, SpawnRequest } from "../../core/ports.ts";
import { findNode, nativeTypeScriptHook, nodeModuleArgv, stripsTypes } from "./_node-binary.ts";
import { NEEDS_TSX_EXIT } from "./_needs-tsx.ts";

export interface TypeScriptWorkers {
  /** The argv that starts `module` on Node. */
  argv(module: string): readonly string[];
  /** Watches a started worker: its exit may say its module needs tsx. */
  watch(request: SpawnRequest, child: ChildProcessHandle): void;
}

/** Workers on this Node (a Node supervisor's). */
export function ownNodeTypeScriptWorkers(): TypeScriptWorkers {
  const native = stripsTypes();
  return typeScriptWorkers(() => process.execPath, () => native);
}

/** Workers on the first `node` on PATH (a Bun or Deno supervisor's). */
export function pathNodeTypeScriptWorkers(): TypeScriptWorkers {
  let native: boolean | undefined;
  return typeScriptWorkers(findNode, (node) => (native ??= nodeStripsTypes(node)));
}

function typeScriptWorkers(node: () => string, native: (node: string) => boolean): TypeScriptWorkers {
  const throughTsx = new Set<string>();
  return {
    argv(module) {
      const binary = node();
      return nodeModuleArgv(module, binary, !throughTsx.has(module) && native(binary));
    },
    watch(request, child) {
      // The argv may come wrapped (a `nice` or a shell before it): the hook's place tells.
      const at = request.argv.indexOf(nativeTypeScriptHook());
      const module = at > 0 && request.argv[at - 1] === "--import" ? request.argv[at + 1] : undefined;
      if (module === undefined) return;
      child.onExit((code) => {
        if (code === NEEDS_TSX_EXIT) throughTsx.add(module);
      });
    },
  };
}

/** stripsTypes, asked of another Node. */
const STRIPS_TYPES_PROBE = "const m = process.getBuiltinModule?.('node:module');" +
  "process.stdout.write(String(Boolean(process.features.typescript) && typeof m?.registerHooks === 'function'))";

/** Whether the Node at `node` runs TypeScript workers itself; false when it cannot be asked. */
function nodeStripsTypes(node: string): boolean {
  const r = spawnSync(node, ["-e", STRIPS_TYPES_PROBE], {
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return r.status === 0 && r.stdout === "true";
}
