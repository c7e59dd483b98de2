/**
 * Whether this Node loads a module that failed to load when it is imported again (Node 24 and later). Node 22
 * keeps the failure: a module Node's type stripping refused (an enum) fails the same way once tsx is loaded.
 * Its own module: the TypeScript workers' preload (src/runtime/node/native-typescript.ts) loads nothing more.
 */
export function reloadsFailedModules(version = process.versions.node): boolean {
  return Number(version.split(".")[0]) >= 24;
}
