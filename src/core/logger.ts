/** The logger the core writes to; the CLI injects consola, tests a recorder. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** A logger whose lines carry `[tag]`. */
  withTag(tag: string): Logger;
}

/** A logger that drops everything (for builders and tests that don't care). */
export function createSilentLogger(): Logger {
  const silent: Logger = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    withTag: () => silent,
  };
  return silent;
}
