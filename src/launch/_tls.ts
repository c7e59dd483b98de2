/**
 * The TLS settings of a launch, from the `--ssl-*` options the options table
 * resolved, checked once before anything is made or bound (`checkTls`: files,
 * dates, key against certificate, password); the checked result goes to the
 * bento:tls plugin, which does not check again. The key password comes from
 * `BENTO_SSL_KEYFILE_PASSWORD` as the bin moved it out of the environment (so
 * no child inherits it), a flag (with a warning), or a password file.
 */
import { readFileSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";
import { type OptionInvalid, optionInvalid, type TlsInvalid, tlsInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { OptionValues } from "../core/options/table.ts";
import { type CheckedTls, checkTls, type TlsOptions } from "../../plugins/tls.ts";
import { takeHidden } from "./_secret-env.ts";

export interface LaunchTls {
  readonly settings: TlsOptions;
  /** Undefined: plain (no certificate configured). A rotation (`_tls-rotate.ts`) replaces it. */
  checked: CheckedTls | undefined;
  /** The same settings checked again from the files as they are now (the password file read again). */
  readonly recheck: () => Result<CheckedTls | undefined, TlsInvalid>;
}

/** `takesTls` false: a mode without TLS (a runner server); the hidden password is still taken out of the environment. */
export function checkLaunchTls(
  v: OptionValues,
  flags: Readonly<Record<string, unknown>>,
  o: { readonly logger: Logger; readonly takesTls: boolean },
): Result<LaunchTls, OptionInvalid | TlsInvalid> {
  if (!o.takesTls) {
    takeHidden("BENTO_SSL_KEYFILE_PASSWORD");
    return ok({ settings: {}, checked: undefined, recheck: () => ok(undefined) });
  }
  if (flags["ssl-keyfile-password"] !== undefined) {
    o.logger.warn(
      "--ssl-keyfile-password puts the password on this command line, which every user can read (ps, /proc/PID/cmdline): " +
        "give it in BENTO_SSL_KEYFILE_PASSWORD or a file (--ssl-keyfile-password-file) instead. Workers never get it either way",
    );
  }
  const password = takeHidden("BENTO_SSL_KEYFILE_PASSWORD") || v["ssl-keyfile-password"];
  const passwordFile = v["ssl-keyfile-password-file"];
  if (password !== undefined && passwordFile !== undefined) {
    return err(optionInvalid(
      "--ssl-keyfile-password-file",
      "and a password (--ssl-keyfile-password or BENTO_SSL_KEYFILE_PASSWORD) are both given: give one",
    ));
  }
  const fromFile = passwordFile === undefined ? ok(undefined) : readPassword(passwordFile);
  if (fromFile.isErr()) return err(fromFile.error);
  const settings: TlsOptions = {
    certfile: v["ssl-certfile"],
    keyfile: v["ssl-keyfile"],
    keyfilePassword: password ?? fromFile.value,
    version: v["ssl-version"],
    certReqs: v["ssl-cert-reqs"],
    caCerts: v["ssl-ca-certs"],
    ciphers: v["ssl-ciphers"],
  };
  const recheck = () => {
    const again: Result<string | undefined, TlsInvalid> = passwordFile === undefined || password !== undefined
      ? ok(password)
      : readPassword(passwordFile);
    return again.andThen((keyfilePassword) => checkTls({ ...settings, keyfilePassword }));
  };
  return checkTls(settings).map((checked) => ({ settings, checked, recheck }));
}

function readPassword(file: string): Result<string, TlsInvalid> {
  try {
    return ok(readFileSync(file, "utf8").replace(/\r?\n$/, ""));
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    return err(tlsInvalid(
      "--ssl-keyfile-password-file",
      `--ssl-keyfile-password-file ${file} cannot be read (${code}): give a file this user can read that holds the key's password`,
      file,
    ));
  }
}

/** The line that says a launch serves TLS: which certificate, until when, and what it asks of clients. */
export function tlsLine(protocol: string, tls: CheckedTls): string {
  const clients = tls.certReqs === 0
    ? "client certificates not asked for"
    : `client certificates ${tls.certReqs === 2 ? "required" : "optional"}${
      tls.caCerts ? `, signed by ${tls.caCerts}` : ""
    }`;
  return `${protocol} over TLS: certificate ${tls.certfile} (valid until ${tls.notAfter.toISOString()}); ${clients}`;
}
