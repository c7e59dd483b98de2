/**
 * How a Node supervisor starts TypeScript workers: Node runs them itself
 * where it can (type stripping; src/runtime/node/native-typescript.ts loads
 * tsx in the worker when Node refuses its modules), through tsx otherwise.
 * A worker that met a module Node refuses only once it was running exits
 * with NEEDS_TSX_EXIT: its module's next workers start through tsx.
 */
import type { ChildProcessHandle, SpawnRequest } from "../../core/ports.ts";
import { nativeTypeScriptHook, nodeModuleArgv, stripsTypes } from "../shared/_node-binary.ts";
import { NEEDS_TSX_EXIT } from "./_needs-tsx.ts";

export interface TypeScriptWorkers {
  /** The argv that starts `module` on this Node. */
  argv(module: string): readonly string[];
  /** Watches a started worker: its exit may say its module needs tsx. */
  watch(request: SpawnRequest, child: ChildProcessHandle): void;
}

export function createTypeScriptWorkers(native = stripsTypes()): TypeScriptWorkers {
  const throughTsx = new Set<string>();
  return {
    argv: (module) => nodeModuleArgv(module, process.execPath, native && !throughTsx.has(module)),
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
