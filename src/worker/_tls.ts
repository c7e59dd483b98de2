/**
 * HTTPS settings for `serve()` from the variables the bento:tls plugin sets
 * (`BENTO_SSL_CERTFILE`, `BENTO_SSL_KEYFILE`, `BENTO_SSL_CA_CERTS`,
 * `BENTO_SSL_CERT_REQS`, `BENTO_SSL_VERSION`, `BENTO_SSL_CIPHERS`). The key
 * file is never encrypted: the supervisor hands workers a decrypted copy, so
 * no password travels to a worker.
 */
import { readFileSync } from "node:fs";
import type { ServerOptions } from "node:https";
import type { SecureVersion } from "node:tls";
import { workerEnvError } from "./_errors.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Python's ssl protocol numbers (as BentoML takes them) as Node's version range. */
const VERSIONS: Readonly<Record<string, { minVersion?: SecureVersion; maxVersion?: SecureVersion }>> = {
  "2": {},
  "17": {},
  "3": { minVersion: "TLSv1", maxVersion: "TLSv1" },
  "4": { minVersion: "TLSv1.1", maxVersion: "TLSv1.1" },
  "5": { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" },
};

/** The `node:https` options, or undefined when TLS is off (no `BENTO_SSL_CERTFILE`). */
export function tlsServerOptions(env: Env = process.env): ServerOptions | undefined {
  const certfile = env.BENTO_SSL_CERTFILE;
  if (!certfile) return undefined;
  const version = VERSIONS[env.BENTO_SSL_VERSION ?? "17"];
  if (version === undefined) {
    throw workerEnvError(
      "WorkerEnvInvalid",
      `BENTO_SSL_VERSION=${env.BENTO_SSL_VERSION} is not one of 17, 2, 3, 4, 5`,
      "BENTO_SSL_VERSION",
    );
  }
  const reqs = Number(env.BENTO_SSL_CERT_REQS ?? "0");
  return {
    cert: read(certfile, "BENTO_SSL_CERTFILE"),
    key: read(env.BENTO_SSL_KEYFILE || certfile, "BENTO_SSL_KEYFILE"),
    ca: env.BENTO_SSL_CA_CERTS ? read(env.BENTO_SSL_CA_CERTS, "BENTO_SSL_CA_CERTS") : undefined,
    ciphers: env.BENTO_SSL_CIPHERS || undefined,
    requestCert: reqs > 0,
    rejectUnauthorized: reqs === 2,
    ...version,
  };
}

function read(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? String(cause);
    throw workerEnvError("WorkerEnvInvalid", `${variable}=${file} cannot be read (${code})`, variable);
  }
}

/** PEM text for Bun.serve and Deno.serve (they take strings); the same variables as `tlsServerOptions`. */
export interface NativeTls {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  /** 0: no client certificate, 1: asked for, 2: required (BENTO_SSL_CERT_REQS). */
  readonly certReqs: number;
}

export function nativeTls(env: Env = process.env): NativeTls | undefined {
  const options = tlsServerOptions(env);
  if (!options) return undefined;
  const text = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));
  return {
    cert: text(options.cert)!,
    key: text(options.key)!,
    ...(options.ca === undefined ? {} : { ca: text(options.ca)! }),
    certReqs: Number(env.BENTO_SSL_CERT_REQS ?? "0"),
  };
}
