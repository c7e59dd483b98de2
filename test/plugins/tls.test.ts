/**
 * HTTPS end to end with certificates made by openssl: the iris example and an
 * API pool of uvicorn workers answer curl over TLS, the start line says
 * https://, and the key's password is in no process's argv and no worker's
 * environment. Bad TLS input stops `serve` before anything starts.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlugins } from "bento-kit/testing";
import { tlsPlugin } from "../../plugins/tls.ts";
import { type Certs, makeCerts } from "../_helpers/certs.ts";
import { hasUvicorn, noteSkipped } from "../_helpers/python.ts";
import { cleanup, CLEANUP_MS, leftInTemp, run, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { leaks } from "../_helpers/secrets.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let certs: Certs;
beforeAll(() => void (certs = makeCerts()));
afterAll(() => certs.remove());
afterEach(cleanup, CLEANUP_MS);
noteSkipped("the uvicorn HTTPS test", hasUvicorn ? [] : ["python3-uvicorn"]);

function curl(port: number, path: string, body: string): string {
  return execFileSync("curl", [
    "-sS",
    "--max-time",
    "20",
    "--cacert",
    certs.ca,
    "-H",
    "content-type: application/json",
    "-d",
    body,
    `https://localhost:${port}${path}`,
  ], { encoding: "utf8" });
}

function privateTmp(): string {
  return mkdtempSync(join(tmpdir(), "bento-kit-tls-tmp-"));
}

test(
  "examples/iris over HTTPS with an encrypted key: [2], https:// in the start line, the password in no argv",
  async () => {
    const tmp = privateTmp();
    try {
      // The password comes through the environment here; the supervisor may hold it, its workers must not.
      const s = await serve("node", "examples/iris", [
        "--ssl-certfile",
        certs.cert,
        "--ssl-keyfile",
        certs.encryptedKey,
        "--api-workers",
        "2",
      ], { BENTO_SSL_KEYFILE_PASSWORD: certs.password, TMPDIR: tmp });
      expect(s.output()).toMatch(
        /Starting production HTTPS BentoServer from "iris_classifier" listening on https:\/\/127\.0\.0\.1:\d+ /,
      );
      for (let i = 0; i < 4; i++) expect(curl(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).toBe("[2]");
      expect(leaks(s, certs.password)).toEqual([]);
      // The workers' key copy is decrypted, private, and inside the run dir.
      const [runDir] = leftInTemp(tmp);
      const copy = join(tmp, runDir!, "tls-key.pem");
      expect(readFileSync(copy, "utf8")).toContain("-----BEGIN PRIVATE KEY-----");
      expect((await Bun.file(copy).stat()).mode & 0o777).toBe(0o600);
      expect(await s.stop()).toBe(0);
      expect(leftInTemp(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
  60_000,
);

test.skipIf(!hasUvicorn)(
  "an API pool of uvicorn workers gets the certificate and the key through placeholders; the password is in no argv",
  async () => {
    const s = await serve("node", "test/_fixtures/tls-uvicorn", [
      "--ssl-certfile",
      certs.cert,
      "--ssl-keyfile",
      certs.encryptedKey,
      "--ssl-keyfile-password-file",
      certs.passwordFile,
    ]);
    expect(s.output()).toMatch(/listening on https:\/\//);
    await s.waitForOutput(/\[api_server:2\].*Application startup complete/);
    for (let i = 0; i < 4; i++) expect(curl(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")).toBe("[2]");
    // uvicorn got the decrypted copy in the run dir as {ssl_keyfile}, not the encrypted key (which would need the password on argv).
    const argvs = s.descendants().map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      } catch {
        return [];
      }
    });
    const uvicorn = argvs.filter((a) => a.includes("uvicorn"));
    expect(uvicorn).toHaveLength(2);
    for (const a of uvicorn) expect(a[a.indexOf("--ssl-keyfile") + 1]).toMatch(/\/bento-kit-\w+\/tls-key\.pem$/);
    expect(leaks(s, certs.password)).toEqual([]);
    expect(await s.stop()).toBe(0);
  },
  60_000,
);

test("through bento-kit/testing: API plans get the certificate as env and placeholders, runners stay plain, BENTO_SSL_* from outside is dropped", async () => {
  const manifest = {
    name: "tls_plans",
    api: { command: ["api", "--fd", "{fd:api}", "--cert", "{ssl_certfile}"] },
    runners: { m: { command: ["r", "{fd:m}"] } },
  };
  const run = await runPlugins(manifest, [tlsPlugin({ certfile: certs.cert, keyfile: certs.key })], {
    env: { BENTO_SSL_KEYFILE_PASSWORD: "leak" },
  });
  const [runner, api] = run.plans();
  expect(api!.env).toMatchObject({
    BENTO_SSL_CERTFILE: certs.cert,
    BENTO_SSL_KEYFILE: certs.key,
    BENTO_SSL_CERT_REQS: "0",
  });
  expect(api!.vars.ssl_certfile).toBe(certs.cert);
  expect(run.spawns[1]!.argv.at(-1)).toBe(certs.cert);
  expect(Object.keys(runner!.env).filter((k) => k.startsWith("BENTO_SSL_"))).toEqual([]);
  expect(Object.keys(api!.env)).not.toContain("BENTO_SSL_KEYFILE_PASSWORD");
  await run.stop();
});

const BAD: readonly [string, () => string[], RegExp][] = [
  [
    "a missing certificate file",
    () => ["--ssl-certfile", join(certs.dir, "nope.pem"), "--ssl-keyfile", certs.key],
    /^Error: --ssl-certfile \S+nope\.pem does not exist: /,
  ],
  [
    "a key that does not match the certificate",
    () => ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.otherKey],
    /^Error: --ssl-keyfile \S+other\.key does not belong to the certificate \S+server\.pem/,
  ],
  [
    "a wrong password",
    () => ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.encryptedKey, "--ssl-keyfile-password", "wrong"],
    /^Error: The password given does not open --ssl-keyfile \S+server\.enc\.key/,
  ],
  [
    "an encrypted key and no password",
    () => ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.encryptedKey],
    /^Error: --ssl-keyfile \S+server\.enc\.key is encrypted: give its password/,
  ],
  [
    "an expired certificate",
    () => ["--ssl-certfile", certs.expiredCert, "--ssl-keyfile", certs.key],
    /^Error: --ssl-certfile \S+expired\.pem expired on 2020-01-02T00:00:00\.000Z: renew/,
  ],
];

for (const [what, args, message] of BAD) {
  test(`${what}: exit 2, one line naming it, nothing started, nothing left in the temp dir`, async () => {
    const tmp = privateTmp();
    try {
      const s = run("node", ["serve", "examples/iris", "--port", "0", "--host", "127.0.0.1", ...args()], {
        TMPDIR: tmp,
      });
      expect(await s.exited).toBe(2);
      const lines = s.output().split("\n").filter((l) =>
        l !== "" && !l.includes("[WARNING] [cli] --ssl-keyfile-password puts")
      );
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(s.procs.leftovers()).toEqual([]);
      expect(s.output()).not.toMatch(/\[(runner|api_server)/);
      expect(leftInTemp(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 30_000);
}

test("{ssl_certfile} in a command while TLS is off: exit 2 naming --ssl-certfile", async () => {
  const s = run("node", ["serve", "test/_fixtures/tls-uvicorn", "--port", "0", "--host", "127.0.0.1"]);
  expect(await s.exited).toBe(2);
  expect(s.output()).toMatch(
    /^Error: --ssl-certfile: is not set, but pool api_server's command uses \{ssl_certfile\}: pass --ssl-certfile CERT\.pem/m,
  );
}, 30_000);
