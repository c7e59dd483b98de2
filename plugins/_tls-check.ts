/**
 * The TLS settings checked before anything is bound: every file exists and is
 * readable, the certificate parses and is within its dates, the key parses,
 * opens with the password when it is encrypted, and belongs to the
 * certificate; the version, client-certificate mode and ciphers are ones a
 * server can use. Each problem is a `TlsInvalid` naming the option, the file
 * and what to do.
 */
import type { KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { err, ok, type Result } from "neverthrow";
import { type TlsInvalid, tlsInvalid } from "../src/core/public.ts";

/** node:crypto and node:tls, loaded when there is TLS to check (a plain HTTP service never loads them). */
const require = createRequire(import.meta.url);
const crypto = () => require("node:crypto") as typeof import("node:crypto");
const tls = () => require("node:tls") as typeof import("node:tls");

/** BentoML's TLS settings (`--ssl-*`); paths absolute or relative to the current directory. */
export interface TlsOptions {
  readonly certfile?: string;
  readonly keyfile?: string;
  /** Opens an encrypted key; never handed to a worker. */
  readonly keyfilePassword?: string;
  /** Python's `ssl` protocol number, as BentoML takes it: 17 or 2 (any TLS, default), 3 TLSv1, 4 TLSv1.1, 5 TLSv1.2. */
  readonly version?: number;
  /** 0 no client certificate (default), 1 optional, 2 required (checked against `caCerts`). */
  readonly certReqs?: number;
  readonly caCerts?: string;
  /** An OpenSSL cipher list; unset: the worker's TLS library chooses (uvicorn's `{ssl_ciphers}` gets "TLSv1", its default). */
  readonly ciphers?: string;
}

export interface CheckedTls {
  readonly certfile: string;
  /** The key file as given; the key is in `certfile` when unset. */
  readonly keyfile?: string;
  /** The key, opened (decrypted) in memory. */
  readonly key: KeyObject;
  /** True when the key on disk needs a password (or sits in the certificate file): workers get a decrypted copy. */
  readonly needsCopy: boolean;
  readonly caCerts?: string;
  readonly version: number;
  readonly certReqs: number;
  readonly ciphers?: string;
  readonly notAfter: Date;
  /** The certificate's serial number (hex, as `openssl x509 -serial` prints it). */
  readonly serial: string;
}

export const SSL_VERSIONS: readonly number[] = [2, 3, 4, 5, 17];
const ENCRYPTED = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** Undefined when no TLS setting is given (plain HTTP). `now` in epoch ms. */
export function checkTls(o: TlsOptions, now: number = Date.now()): Result<CheckedTls | undefined, TlsInvalid> {
  if (o.certfile === undefined) {
    const orphan = (["keyfile", "caCerts", "keyfilePassword", "ciphers"] as const).find((k) => o[k] !== undefined);
    if (orphan === undefined) return ok(undefined);
    return err(
      tlsInvalid(
        "--ssl-certfile",
        `--ssl-certfile is not set, but ${
          FLAG[orphan]
        } is: give the server's certificate with --ssl-certfile CERT.pem (or BENTO_SSL_CERTFILE)`,
      ),
    );
  }
  const certText = readText("--ssl-certfile", o.certfile, "a PEM certificate");
  if (certText.isErr()) return err(certText.error);
  let cert: X509Certificate;
  try {
    cert = new (crypto().X509Certificate)(certText.value);
  } catch {
    return err(
      tlsInvalid(
        "--ssl-certfile",
        `--ssl-certfile ${o.certfile} holds no certificate: give a PEM file that starts with -----BEGIN CERTIFICATE-----`,
        o.certfile,
      ),
    );
  }
  const dates = checkDates(cert, o.certfile, now);
  if (dates.isErr()) return err(dates.error);
  const keyfile = o.keyfile ?? o.certfile;
  const keyText = o.keyfile === undefined ? certText : readText("--ssl-keyfile", o.keyfile, "a PEM private key");
  if (keyText.isErr()) return err(keyText.error);
  const key = openKey(keyText.value, keyfile, o);
  if (key.isErr()) return err(key.error);
  if (!cert.checkPrivateKey(key.value)) {
    return err(
      tlsInvalid(
        "--ssl-keyfile",
        `--ssl-keyfile ${keyfile} does not belong to the certificate ${o.certfile} (their public keys differ): give the key the certificate was issued for`,
        keyfile,
      ),
    );
  }
  const rest = checkSettings(o);
  if (rest.isErr()) return err(rest.error);
  return ok({
    certfile: o.certfile,
    keyfile: o.keyfile,
    key: key.value,
    needsCopy: o.keyfile === undefined || ENCRYPTED.test(keyText.value),
    caCerts: o.caCerts,
    version: o.version ?? 17,
    certReqs: o.certReqs ?? 0,
    ciphers: o.ciphers,
    notAfter: new Date(Date.parse(cert.validTo)),
    serial: opensslSerial(cert.serialNumber),
  });
}

/** Whole bytes, upper case, as openssl prints it (Deno drops a leading zero digit, Node keeps it). */
function opensslSerial(hex: string): string {
  const upper = hex.toUpperCase();
  return upper.length % 2 === 1 ? `0${upper}` : upper;
}

const FLAG = {
  certfile: "--ssl-certfile",
  keyfile: "--ssl-keyfile",
  keyfilePassword: "the key password",
  caCerts: "--ssl-ca-certs",
  ciphers: "--ssl-ciphers",
  version: "--ssl-version",
  certReqs: "--ssl-cert-reqs",
} as const;

function readText(option: string, file: string, what: string): Result<string, TlsInvalid> {
  try {
    return ok(readFileSync(file, "utf8"));
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why = code === "ENOENT"
      ? "does not exist"
      : code === "EACCES"
      ? "cannot be read by this user (permission denied)"
      : code === "EISDIR"
      ? "is a directory"
      : `cannot be read (${code ?? String(cause)})`;
    return err(tlsInvalid(option, `${option} ${file} ${why}: give the path of ${what} this user can read`, file));
  }
}

function checkDates(cert: X509Certificate, file: string, now: number): Result<void, TlsInvalid> {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (to < now) {
    return err(
      tlsInvalid(
        "--ssl-certfile",
        `--ssl-certfile ${file} expired on ${
          new Date(to).toISOString()
        }: renew the certificate (or give a current one)`,
        file,
      ),
    );
  }
  if (from > now) {
    return err(
      tlsInvalid(
        "--ssl-certfile",
        `--ssl-certfile ${file} is not valid before ${
          new Date(from).toISOString()
        }: check this machine's clock, or give a certificate valid now`,
        file,
      ),
    );
  }
  return ok(undefined);
}

function openKey(text: string, file: string, o: TlsOptions): Result<KeyObject, TlsInvalid> {
  const encrypted = ENCRYPTED.test(text);
  if (!PRIVATE_KEY.test(text)) {
    const hint = o.keyfile === undefined
      ? "give the key with --ssl-keyfile KEY.pem"
      : "give a PEM private key (-----BEGIN PRIVATE KEY-----)";
    return err(
      tlsInvalid(
        "--ssl-keyfile",
        `${o.keyfile === undefined ? "--ssl-certfile" : "--ssl-keyfile"} ${file} holds no private key: ${hint}`,
        file,
      ),
    );
  }
  if (encrypted && o.keyfilePassword === undefined) {
    return err(
      tlsInvalid(
        "--ssl-keyfile-password",
        `--ssl-keyfile ${file} is encrypted: give its password in a file with --ssl-keyfile-password-file FILE, or in BENTO_SSL_KEYFILE_PASSWORD`,
        file,
      ),
    );
  }
  try {
    return ok(crypto().createPrivateKey({ key: text, passphrase: encrypted ? o.keyfilePassword : undefined }));
  } catch {
    if (encrypted) {
      return err(
        tlsInvalid(
          "--ssl-keyfile-password",
          `The password given does not open --ssl-keyfile ${file}: check the password (a password file's trailing newline is not part of it)`,
          file,
        ),
      );
    }
    return err(
      tlsInvalid(
        "--ssl-keyfile",
        `--ssl-keyfile ${file} holds no private key this TLS library can read: give a PEM RSA, EC or Ed25519 key`,
        file,
      ),
    );
  }
}

function checkSettings(o: TlsOptions): Result<void, TlsInvalid> {
  if (o.version !== undefined && !SSL_VERSIONS.includes(o.version)) {
    return err(
      tlsInvalid(
        "--ssl-version",
        `--ssl-version ${o.version} is not a server protocol: use 17 (any TLS version, the default), 5 (TLSv1.2 only), 4 (TLSv1.1) or 3 (TLSv1)`,
      ),
    );
  }
  if (o.certReqs !== undefined && ![0, 1, 2].includes(o.certReqs)) {
    return err(
      tlsInvalid(
        "--ssl-cert-reqs",
        `--ssl-cert-reqs ${o.certReqs} is not a mode: use 0 (no client certificate), 1 (optional) or 2 (required)`,
      ),
    );
  }
  if ((o.certReqs ?? 0) > 0 && o.caCerts === undefined) {
    return err(
      tlsInvalid(
        "--ssl-ca-certs",
        `--ssl-cert-reqs ${o.certReqs} checks client certificates, but --ssl-ca-certs is not set: give the CA file that signs them`,
      ),
    );
  }
  if (o.caCerts !== undefined) {
    const ca = readText("--ssl-ca-certs", o.caCerts, "a PEM file of CA certificates");
    if (ca.isErr()) return err(ca.error);
    if (!ca.value.includes("-----BEGIN CERTIFICATE-----")) {
      return err(
        tlsInvalid(
          "--ssl-ca-certs",
          `--ssl-ca-certs ${o.caCerts} holds no certificate: give a PEM file of CA certificates`,
          o.caCerts,
        ),
      );
    }
  }
  if (o.ciphers !== undefined) {
    try {
      tls().createSecureContext({ ciphers: o.ciphers });
    } catch {
      return err(
        tlsInvalid(
          "--ssl-ciphers",
          `--ssl-ciphers ${
            JSON.stringify(o.ciphers)
          } names no cipher OpenSSL knows: give an OpenSSL cipher list, e.g. ECDHE+AESGCM`,
        ),
      );
    }
  }
  return ok(undefined);
}
