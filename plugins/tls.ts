/**
 * bento:tls — HTTPS for the API pool, BentoML's `--ssl-*` settings with one
 * difference: the key password never reaches a worker. Before anything is
 * bound the settings are checked (`checkTls`); an encrypted key is opened once,
 * here, and workers get a decrypted copy in the instance's private run dir
 * (mode 0600, removed with the dir at stop). API workers get
 * `BENTO_SSL_CERTFILE`, `BENTO_SSL_KEYFILE`, `BENTO_SSL_CA_CERTS`,
 * `BENTO_SSL_CERT_REQS`, `BENTO_SSL_VERSION`, `BENTO_SSL_CIPHERS`; every
 * command gets the placeholders `{ssl_certfile}`, `{ssl_keyfile}`,
 * `{ssl_ca_certs}`, `{ssl_cert_reqs}`, `{ssl_version}`, `{ssl_ciphers}`.
 * Runners stay plain: they listen on private sockets.
 *
 * Any `BENTO_SSL_*` variable in the supervisor's environment or a manifest env
 * (the password included) is removed from every worker's environment.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import {
  type BentoPlugin,
  definePlugin,
  type LaunchSpec,
  type OptionInvalid,
  optionInvalid,
  placeholdersIn,
  type TlsInvalid,
  tlsInvalid,
  type WatcherSpec,
} from "../src/core/public.ts";
import { type CheckedTls, checkTls, type TlsOptions } from "./_tls-check.ts";

export { type CheckedTls, checkTls, SSL_VERSIONS, type TlsOptions } from "./_tls-check.ts";

export const TLS_PLACEHOLDERS = [
  "ssl_certfile",
  "ssl_keyfile",
  "ssl_ca_certs",
  "ssl_cert_reqs",
  "ssl_version",
  "ssl_ciphers",
] as const;

/** The name of the decrypted key copy inside the run dir. */
export const KEY_COPY = "tls-key.pem";

/** Pools that serve the public socket get TLS; runners (private sockets) do not. */
const SERVES_PUBLIC = new Set(["api", "grpc"]);

/**
 * `options`: the settings, checked when the launch spec is planned; or
 * `{ checked }`, settings the launch already checked (the CLI checks them
 * before anything is made, and the key is not opened twice), read each time
 * the spec is shaped (a getter follows a certificate rotation).
 */
export function tlsPlugin(options: TlsOptions | { readonly checked: CheckedTls | undefined } = {}): BentoPlugin {
  let copy: string | undefined;
  return definePlugin({
    name: "bento:tls",
    placeholders: TLS_PLACEHOLDERS,
    launchSpec(spec: LaunchSpec): Result<LaunchSpec, TlsInvalid | OptionInvalid> {
      const checked = "checked" in options ? ok(options.checked) : checkTls(options);
      if (checked.isErr()) return err(checked.error);
      const plain = withoutTlsEnv(spec);
      if (checked.value === undefined) return unsetPlaceholder(plain, {});
      const tls = checked.value;
      let keyfile = resolve(tls.keyfile ?? tls.certfile);
      if (tls.needsCopy) {
        const written = writeKeyCopy(spec.runDir, tls);
        if (written.isErr()) return err(written.error);
        keyfile = copy = written.value;
      }
      const vars = tlsVars(tls, keyfile);
      const env = tlsEnv(tls, keyfile);
      const watchers = plain.watchers.map((w) => (SERVES_PUBLIC.has(w.role) ? { ...w, env: { ...w.env, ...env } } : w));
      return unsetPlaceholder({ ...plain, watchers, vars: { ...plain.vars, ...vars } }, vars);
    },
    dispose() {
      if (copy !== undefined) rmSync(copy, { force: true });
    },
  });
}

function tlsVars(tls: CheckedTls, keyfile: string): Record<string, string> {
  const vars: Record<string, string> = {
    ssl_certfile: resolve(tls.certfile),
    ssl_keyfile: keyfile,
    ssl_cert_reqs: String(tls.certReqs),
    ssl_version: String(tls.version),
    ssl_ciphers: tls.ciphers ?? "TLSv1",
  };
  if (tls.caCerts !== undefined) vars.ssl_ca_certs = resolve(tls.caCerts);
  return vars;
}

function tlsEnv(tls: CheckedTls, keyfile: string): Record<string, string> {
  const env: Record<string, string> = {
    BENTO_SSL_CERTFILE: resolve(tls.certfile),
    BENTO_SSL_KEYFILE: keyfile,
    BENTO_SSL_CERT_REQS: String(tls.certReqs),
    BENTO_SSL_VERSION: String(tls.version),
  };
  if (tls.caCerts !== undefined) env.BENTO_SSL_CA_CERTS = resolve(tls.caCerts);
  if (tls.ciphers !== undefined) env.BENTO_SSL_CIPHERS = tls.ciphers;
  return env;
}

/**
 * The key, decrypted, readable by this user only; the run dir itself is 0700.
 * Written to a new file then renamed over the copy, so a rotation (`bento-kit
 * reload`) or a manifest reload replaces it whole: a worker starting meanwhile
 * reads the old key or the new one, never half of one.
 */
export function writeKeyCopy(runDir: string, tls: CheckedTls): Result<string, TlsInvalid> {
  const path = join(runDir, KEY_COPY);
  const next = `${path}.next`;
  try {
    rmSync(next, { force: true });
    writeFileSync(next, tls.key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    renameSync(next, path);
    return ok(path);
  } catch (cause) {
    rmSync(next, { force: true });
    const why = cause instanceof Error ? cause.message : String(cause);
    return err(
      tlsInvalid(
        "--ssl-keyfile",
        `Cannot write the decrypted key for the workers to ${path} (${why}): set TMPDIR to a writable directory`,
        path,
      ),
    );
  }
}

function withoutTlsEnv(spec: LaunchSpec): LaunchSpec {
  const strip = (env: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("BENTO_SSL_")));
  const watchers = spec.watchers.map((w): WatcherSpec => ({
    ...w,
    env: strip(w.env),
    workerEnv: w.workerEnv.map(strip),
  }));
  return { ...spec, watchers };
}

/** A command asks for `{ssl_*}` that has no value: TLS is off, or (`{ssl_ca_certs}`) no CA file is set. */
function unsetPlaceholder(spec: LaunchSpec, vars: Readonly<Record<string, string>>): Result<LaunchSpec, OptionInvalid> {
  const names: readonly string[] = TLS_PLACEHOLDERS;
  for (const w of spec.watchers) {
    const args = w.command.kind === "argv" ? w.command.argv : w.command.args;
    const used = args.flatMap(placeholdersIn).find((n) => names.includes(n) && vars[n] === undefined);
    if (used === undefined) continue;
    const fix = used === "ssl_ca_certs" && vars.ssl_certfile !== undefined
      ? ["--ssl-ca-certs", "--ssl-ca-certs CA.pem (or BENTO_SSL_CA_CERTS, or the manifest's serve.sslCaCerts)"]
      : [
        "--ssl-certfile",
        "--ssl-certfile CERT.pem --ssl-keyfile KEY.pem (or BENTO_SSL_CERTFILE and BENTO_SSL_KEYFILE, " +
        "or the manifest's serve.sslCertfile and serve.sslKeyfile)",
      ];
    return err(
      optionInvalid(
        fix[0]!,
        `is not set, but pool ${w.name}'s command uses {${used}}: pass ${fix[1]}, or remove {${used}} from the command`,
      ),
    );
  }
  return ok(spec);
}

/** What a status page may show about the TLS settings (paths and dates; no key, no password). */
export function describeTls(tls: CheckedTls): Record<string, string | number> {
  const info: Record<string, string | number> = {
    certfile: resolve(tls.certfile),
    certNotAfter: tls.notAfter.toISOString(),
    version: tls.version,
    certReqs: tls.certReqs,
  };
  if (tls.caCerts !== undefined) info.caCerts = resolve(tls.caCerts);
  if (tls.ciphers !== undefined) info.ciphers = tls.ciphers;
  return info;
}
