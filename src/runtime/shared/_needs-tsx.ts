/**
 * The exit code of a TypeScript worker that Node runs itself and that met,
 * once running, a module Node cannot run (src/runtime/node/native-typescript.ts):
 * its pool's next workers run through tsx. 78 is sysexits' EX_CONFIG.
 */
export const NEEDS_TSX_EXIT = 78;
