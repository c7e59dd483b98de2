/**
 * Certificates made with the real `openssl` for the TLS tests, in a temp dir:
 * a CA, a server certificate for localhost/127.0.0.1 signed by it, its key in
 * plain and encrypted form (with a password file), a key of another pair, and
 * an expired certificate for the same key.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certs {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly encryptedKey: string;
  readonly password: string;
  readonly passwordFile: string;
  readonly otherKey: string;
  readonly expiredCert: string;
  remove(): void;
}

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
`;

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-certs-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=bento-kit test CA",
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  );
  writeFileSync(join(dir, "ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "ext",
    "-out",
    "server.pem",
  );
  // A password with characters a shell or a URL would mangle, and long enough to find in any cmdline.
  const password = "pw-7f3a9c1e-s3cr3t+/=";
  ssl("pkey", "-in", "server.key", "-aes256", "-passout", `pass:${password}`, "-out", "server.enc.key");
  writeFileSync(join(dir, "password"), `${password}\n`, { mode: 0o600 });
  ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.key");
  writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  ssl(
    "ca",
    "-batch",
    "-config",
    "ca.cnf",
    "-keyfile",
    "ca.key",
    "-cert",
    "ca.pem",
    "-in",
    "server.csr",
    "-out",
    "expired.pem",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
    "-notext",
  );
  const at = (f: string) => join(dir, f);
  return {
    dir,
    ca: at("ca.pem"),
    cert: at("server.pem"),
    key: at("server.key"),
    encryptedKey: at("server.enc.key"),
    password,
    passwordFile: at("password"),
    otherKey: at("other.key"),
    expiredCert: at("expired.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
