/**
 * gRPC over TLS through the CLI, with certificates made by openssl: a pool of
 * grpc-js workers (the injected connections) and a pool of Python grpcio
 * workers (add_secure_port) answer a real grpc-js client that trusts the test
 * CA; a client trusting only the default roots and a plaintext client fail.
 * With `--ssl-cert-reqs 2` a client certificate is required; an encrypted key
 * opened with BENTO_SSL_KEYFILE_PASSWORD leaves the password in no worker's
 * environment and no argv. start-grpc-server takes BentoML's three flags.
 * A bad certificate path stops the command before anything starts.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certs, makeCerts } from "../_helpers/certs.ts";
import { hasGrpcio, noteSkipped } from "../_helpers/python.ts";
import { alive, cleanup, CLEANUP_MS, leftInTemp, run, serviceTestMs } from "../_helpers/serve-process.ts";
import { probe } from "./_client.ts";
import { grpcServe, irisRunnerServer } from "./_grpc-serve.ts";
import { leaks } from "../_helpers/secrets.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let certs: Certs;
beforeAll(() => void (certs = makeCerts()));
afterAll(() => certs.remove());
afterEach(cleanup, CLEANUP_MS);
noteSkipped("the Python grpcio TLS tests", hasGrpcio ? [] : ["python3-grpcio"]);

/**
 * A test starts one supervisor (grpcServe waits up to 40 s for its start line)
 * and asks it from Node (a probe is a few seconds), then stops it (graceful,
 * seconds): 90 s.
 */
const ONE_SERVICE_MS = 90_000;

interface TlsProbe {
  trusted: string;
  label: number | string;
  defaultRoots: string;
  plaintext: string;
}

const POOLS = [
  { name: "grpc-js", dir: "examples/iris-grpc", skip: false, ready: /iris grpc worker 2 \(pid \d+\) ready/ },
  {
    name: "grpcio",
    dir: "examples/iris-grpc/python",
    skip: !hasGrpcio,
    ready: /\[grpc_api_server:2\] iris grpc worker 2 .* serving on 127\.0\.0\.1:\d+, protocol v1, TLS/,
  },
] as const;

for (const pool of POOLS) {
  test.skipIf(pool.skip)(
    `${pool.name} pool, serve --grpc --ssl-*: SERVING over TLS for a client trusting the CA; default roots and plaintext fail`,
    async () => {
      const s = await grpcServe("node", [
        "serve",
        pool.dir,
        "--grpc",
        "--ssl-certfile",
        certs.cert,
        "--ssl-keyfile",
        certs.key,
        "--ssl-ca-certs",
        certs.ca,
      ]);
      expect(await s.waitForOutput(pool.ready)).toBeTruthy();
      expect(s.output()).toContain(
        `gRPC over TLS: certificate ${certs.cert} (valid until `,
      );
      expect(s.output()).toMatch(/Starting production gRPC BentoServer from "iris_classifier_grpc\w*" listening on /);
      const r = await probe<TlsProbe>(s.port, "tls", certs.ca);
      expect(r.trusted).toBe("SERVING");
      expect(r.label).toBe(2);
      // UNAVAILABLE: the handshake fails (the test CA is not among the default roots; plaintext meets TLS).
      expect(r.defaultRoots).toMatch(/^14: .*certificate/);
      expect(r.plaintext).toMatch(/^14: /);
      const workers = s.descendants();
      expect(await s.stop("SIGTERM")).toBe(0);
      expect(workers.filter(alive)).toEqual([]);
    },
    ONE_SERVICE_MS,
  );

  test.skipIf(pool.skip)(
    `${pool.name} pool, --ssl-cert-reqs 2 with an encrypted key: a client certificate is required; the password reaches no worker`,
    async () => {
      const s = await grpcServe("node", [
        "serve",
        pool.dir,
        "--grpc",
        "--ssl-certfile",
        certs.cert,
        "--ssl-keyfile",
        certs.encryptedKey,
        "--ssl-ca-certs",
        certs.ca,
        "--ssl-cert-reqs",
        "2",
      ], { BENTO_SSL_KEYFILE_PASSWORD: certs.password });
      expect(await s.waitForOutput(pool.ready)).toBeTruthy();
      expect(s.output()).toContain(`client certificates required, signed by ${certs.ca}`);
      // The server's own certificate (signed by the test CA, no key usage limits) serves as a client certificate.
      const withCert = await probe<TlsProbe>(s.port, "tls", certs.ca, certs.cert, certs.key);
      expect(withCert.trusted).toBe("SERVING");
      expect(withCert.label).toBe(2);
      const without = await probe<TlsProbe>(s.port, "tls", certs.ca);
      expect(without.trusted).toMatch(/^14: /);
      expect(leaks(s, certs.password)).toEqual([]);
      expect(await s.stop("SIGTERM")).toBe(0);
    },
    ONE_SERVICE_MS,
  );
}

test(
  "start-grpc-server --ssl-certfile --ssl-keyfile --ssl-ca-certs with a remote iris runner: Classify over TLS",
  async () => {
    const runner = await irisRunnerServer("examples/iris-grpc");
    const s = await grpcServe("node", [
      "start-grpc-server",
      "examples/iris-grpc",
      "--depends",
      `iris=${runner.address}`,
      "--api-workers",
      "1",
      "--ssl-certfile",
      certs.cert,
      "--ssl-keyfile",
      certs.key,
      "--ssl-ca-certs",
      certs.ca,
    ]);
    expect(s.output()).toContain("gRPC over TLS: certificate ");
    expect(s.output()).toMatch(/Starting bare gRPC BentoServer from "iris_classifier_grpc" running on /);
    const r = await probe<TlsProbe>(s.port, "tls", certs.ca);
    expect(r).toMatchObject({ trusted: "SERVING", label: 2 });
    expect(r.plaintext).toMatch(/^14: /);
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(await runner.served.stop("SIGTERM")).toBe(0);
  },
  // Two supervisors: the runner server, then the gRPC server.
  2 * ONE_SERVICE_MS,
);

const MISSING: readonly [string, string[]][] = [
  ["serve --grpc", ["serve", "examples/iris-grpc", "--grpc"]],
  ["start-grpc-server", ["start-grpc-server", "examples/iris-grpc", "--depends", "iris=tcp://127.0.0.1:1"]],
];

for (const [command, args] of MISSING) {
  test(
    `${command} --ssl-certfile /nonexistent.pem: exit 2, one line, nothing started, nothing in the temp dir`,
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), "bento-kit-grpc-tls-tmp-"));
      try {
        const s = run("node", [...args, "--host", "127.0.0.1", "--port", "0", "--ssl-certfile", "/nonexistent.pem"], {
          TMPDIR: tmp,
        });
        expect(await s.exited).toBe(2);
        const lines = s.output().split("\n").filter((l) => l !== "");
        expect(lines).toEqual([expect.stringMatching(/^Error: --ssl-certfile \/nonexistent\.pem does not exist: /)]);
        expect(s.procs.leftovers()).toEqual([]);
        expect(leftInTemp(tmp)).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    30_000,
  );
}
