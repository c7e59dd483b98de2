/**
 * The admin token (`BENTO_ADMIN_TOKEN`) and the key password
 * (`BENTO_SSL_KEYFILE_PASSWORD`) are the CLI's to read, no child's to inherit:
 * the first read moves each out of `process.env` (bin/bento-kit.mjs already
 * has, before tsx's helper started) into a global, so that no process the
 * supervisor starts later (workers, the keeper, helpers) gets it. The commands
 * read the token from `cliEnv()`; the launch's TLS step takes the password.
 */
type Env = Readonly<Record<string, string | undefined>>;

const HIDDEN = {
  BENTO_ADMIN_TOKEN: Symbol.for("bento-kit.admin-token"),
  BENTO_SSL_KEYFILE_PASSWORD: Symbol.for("bento-kit.ssl-keyfile-password"),
} as const;

/** The environment as the commands see it: process.env with the admin token, which no child inherits. */
export function cliEnv(): Env {
  const token = takeHidden("BENTO_ADMIN_TOKEN");
  return token === undefined ? { ...process.env } : { ...process.env, BENTO_ADMIN_TOKEN: token };
}

/** The hidden variables, for a process that is this CLI again (the PID 1 re-exec under perl). */
export function hiddenEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(HIDDEN) as (keyof typeof HIDDEN)[]) {
    const value = (globalThis as Record<symbol, unknown>)[HIDDEN[name]] ?? process.env[name];
    if (typeof value === "string") env[name] = value;
  }
  return env;
}

/** A hidden variable's value (moved out of `process.env` on the first read). */
export function takeHidden(name: keyof typeof HIDDEN): string | undefined {
  const global = globalThis as Record<symbol, unknown>;
  const value = process.env[name];
  if (value !== undefined) {
    global[HIDDEN[name]] = value;
    delete process.env[name];
  }
  const hidden = global[HIDDEN[name]];
  return typeof hidden === "string" ? hidden : undefined;
}
