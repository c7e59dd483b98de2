/**
 * The `--ssl-*` options of `serve` (BentoML's set, plus a password file):
 * flag > `BENTO_SSL_*` environment variable > the manifest's `serve` defaults.
 * Flag and environment paths are relative to the current directory, manifest
 * paths to the service directory.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type OptionInvalid, optionInvalid, type TlsInvalid, tlsInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { ServeDefaults } from "../core/manifest.ts";
import type { TlsOptions } from "../../plugins/tls.ts";

export const tlsArgs = {
  "ssl-certfile": {
    type: "string",
    valueHint: "FILE",
    description: "Serve HTTPS with this PEM certificate (chain) [env BENTO_SSL_CERTFILE]",
  },
  "ssl-keyfile": {
    type: "string",
    valueHint: "FILE",
    description:
      "Its PEM private key, may be encrypted (default: the key inside --ssl-certfile) [env BENTO_SSL_KEYFILE]",
  },
  "ssl-keyfile-password-file": {
    type: "string",
    valueHint: "FILE",
    description: "File holding the key's password (one trailing newline ignored) [env BENTO_SSL_KEYFILE_PASSWORD_FILE]",
  },
  "ssl-keyfile-password": {
    type: "string",
    valueHint: "PASSWORD",
    description:
      "The key's password. Visible to every user in ps: prefer BENTO_SSL_KEYFILE_PASSWORD or --ssl-keyfile-password-file. Workers never see it",
  },
  "ssl-version": {
    type: "string",
    valueHint: "N",
    description:
      "Python ssl protocol number as in BentoML: 17 any TLS (default), 5 TLSv1.2, 4 TLSv1.1, 3 TLSv1 [env BENTO_SSL_VERSION]",
  },
  "ssl-cert-reqs": {
    type: "string",
    valueHint: "N",
    description: "Client certificates: 0 none (default), 1 optional, 2 required [env BENTO_SSL_CERT_REQS]",
  },
  "ssl-ca-certs": {
    type: "string",
    valueHint: "FILE",
    description: "CA certificates that sign client certificates [env BENTO_SSL_CA_CERTS]",
  },
  "ssl-ciphers": {
    type: "string",
    valueHint: "LIST",
    description: "OpenSSL cipher list (default: the TLS library's) [env BENTO_SSL_CIPHERS]",
  },
} as const;

type TlsFlags = { readonly [K in keyof typeof tlsArgs]?: string };
type Env = Readonly<Record<string, string | undefined>>;

const ENV = {
  "ssl-certfile": "BENTO_SSL_CERTFILE",
  "ssl-keyfile": "BENTO_SSL_KEYFILE",
  "ssl-keyfile-password-file": "BENTO_SSL_KEYFILE_PASSWORD_FILE",
  "ssl-keyfile-password": "BENTO_SSL_KEYFILE_PASSWORD",
  "ssl-version": "BENTO_SSL_VERSION",
  "ssl-cert-reqs": "BENTO_SSL_CERT_REQS",
  "ssl-ca-certs": "BENTO_SSL_CA_CERTS",
  "ssl-ciphers": "BENTO_SSL_CIPHERS",
} as const;

const MANIFEST: Partial<Record<keyof typeof ENV, keyof ServeDefaults>> = {
  "ssl-certfile": "sslCertfile",
  "ssl-keyfile": "sslKeyfile",
  "ssl-keyfile-password-file": "sslKeyfilePasswordFile",
  "ssl-version": "sslVersion",
  "ssl-cert-reqs": "sslCertReqs",
  "ssl-ca-certs": "sslCaCerts",
  "ssl-ciphers": "sslCiphers",
};

const PATHS = new Set(["ssl-certfile", "ssl-keyfile", "ssl-keyfile-password-file", "ssl-ca-certs"]);

/** TLS options from flags, environment and manifest; reads the password file. */
export function resolveTlsOptions(
  flags: TlsFlags,
  env: Env,
  manifest: { readonly serve: ServeDefaults; readonly dir: string },
  logger: Logger,
): Result<TlsOptions, OptionInvalid | TlsInvalid> {
  const pick = (key: keyof typeof ENV): string | undefined => {
    const flag = flags[key];
    if (flag !== undefined && flag !== "") return PATHS.has(key) ? resolve(flag) : flag;
    const fromEnv = env[ENV[key]];
    if (fromEnv !== undefined && fromEnv !== "") return PATHS.has(key) ? resolve(fromEnv) : fromEnv;
    const name = MANIFEST[key];
    const value = name === undefined ? undefined : manifest.serve[name];
    if (value === undefined) return undefined;
    return PATHS.has(key) ? resolve(manifest.dir, String(value)) : String(value);
  };
  for (const key of Object.keys(ENV) as (keyof typeof ENV)[]) {
    if (flags[key] === "") return err(optionInvalid(`--${key}`, "needs a value"));
  }
  if (flags["ssl-keyfile-password"] !== undefined) {
    logger.warn(
      "--ssl-keyfile-password puts the password on this command line, which every user can read (ps, /proc/PID/cmdline): " +
        "give it in BENTO_SSL_KEYFILE_PASSWORD or a file (--ssl-keyfile-password-file) instead. Workers never get it either way",
    );
  }
  const given = pick("ssl-keyfile-password");
  const password = takeHiddenPassword() ?? given;
  const passwordFile = pick("ssl-keyfile-password-file");
  if (password !== undefined && passwordFile !== undefined) {
    return err(
      optionInvalid(
        "--ssl-keyfile-password-file",
        "and a password (--ssl-keyfile-password or BENTO_SSL_KEYFILE_PASSWORD) are both given: give one",
      ),
    );
  }
  const fromFile = passwordFile === undefined ? ok(undefined) : readPassword(passwordFile);
  if (fromFile.isErr()) return err(fromFile.error);
  const version = int(pick("ssl-version"), "--ssl-version");
  const certReqs = int(pick("ssl-cert-reqs"), "--ssl-cert-reqs");
  if (version.isErr()) return err(version.error);
  if (certReqs.isErr()) return err(certReqs.error);
  return ok({
    certfile: pick("ssl-certfile"),
    keyfile: pick("ssl-keyfile"),
    keyfilePassword: password ?? fromFile.value,
    version: version.value,
    certReqs: certReqs.value,
    caCerts: pick("ssl-ca-certs"),
    ciphers: pick("ssl-ciphers"),
  });
}

/**
 * `BENTO_SSL_KEYFILE_PASSWORD` as the bin moved it out of the environment before
 * anything could inherit it; also removed from this process's environment so
 * no child started later gets it.
 */
function takeHiddenPassword(): string | undefined {
  const key = Symbol.for("bento-kit.ssl-keyfile-password");
  const hidden = (globalThis as Record<symbol, unknown>)[key];
  delete process.env.BENTO_SSL_KEYFILE_PASSWORD;
  return typeof hidden === "string" && hidden !== "" ? hidden : undefined;
}

function int(raw: string | undefined, option: string): Result<number | undefined, OptionInvalid> {
  if (raw === undefined) return ok(undefined);
  if (!/^\d+$/.test(raw.trim())) {
    return err(optionInvalid(option, `expected a whole number, got ${JSON.stringify(raw)}`));
  }
  return ok(Number(raw));
}

function readPassword(file: string): Result<string, TlsInvalid> {
  try {
    return ok(readFileSync(file, "utf8").replace(/\r?\n$/, ""));
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    return err(
      tlsInvalid(
        "--ssl-keyfile-password-file",
        `--ssl-keyfile-password-file ${file} cannot be read (${code}): give a file this user can read that holds the key's password`,
        file,
      ),
    );
  }
}
