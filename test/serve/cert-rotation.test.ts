/**
 * Certificate rotation (issue 23, item 3) with real certificates from openssl:
 * the files are replaced by a new pair and `bento-kit reload` (or SIGHUP) rolls
 * every worker onto it. Under wrk -t2 -c64 on iris /classify over HTTPS no
 * request fails, `openssl s_client` reads the new serial and every worker pid
 * changed; a broken new pair exits the command with 1 and one line and the
 * old serial keeps serving. Over gRPC (a Bun supervisor), SIGHUP rotates an
 * encrypted key with the password file read again.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certs, makeCerts } from "../_helpers/certs.ts";
import { CLASSIFY_SCRIPT, startLoad } from "../_helpers/load.ts";
import { cleanup, CLEANUP_MS, readyMsFor, serve, type Served } from "../_helpers/serve-process.ts";
import { probe } from "../grpc/_client.ts";
import { grpcServe } from "../grpc/_grpc-serve.ts";
import { runCli, startCli, waitFor } from "../admin/_service.ts";

const OPENSSL_MS = 20_000;

/** Two pairs from two CAs: different serials (6 RSA keys: a bound for a loaded machine). */
let first: Certs;
let second: Certs;
let dir: string;
beforeAll(() => {
  first = makeCerts();
  second = makeCerts();
  dir = mkdtempSync(join(tmpdir(), "bento-kit-rotation-"));
}, OPENSSL_MS * 3);
afterAll(() => {
  first.remove();
  second.remove();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(cleanup, CLEANUP_MS);

/** A rolling reload replaces the workers one at a time: as long as starting each of them alone. */
const reloadMs = (workers: number) => workers * readyMsFor(1);

/** What `openssl x509 -serial` prints for a file, or for what the server on `port` presents. */
function serialOf(pem: string): string {
  const out = execFileSync("openssl", ["x509", "-noout", "-serial"], { input: pem, encoding: "utf8" });
  return out.trim().replace(/^serial=/, "");
}
function fileSerial(file: string): string {
  return serialOf(execFileSync("openssl", ["x509", "-in", file], { encoding: "utf8" }));
}
function servedSerial(port: number): string {
  const pem = execFileSync("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-alpn", "h2,http/1.1"], {
    input: "",
    encoding: "utf8",
    stdio: ["pipe", "pipe", "ignore"],
    timeout: OPENSSL_MS,
  });
  return serialOf(pem);
}

/** curl over HTTPS (the test CAs differ between pairs: -k). */
function classify(port: number): string {
  return execFileSync("curl", [
    "-sSk",
    "--max-time",
    String(OPENSSL_MS / 1000),
    "-H",
    "content-type: application/json",
    "-d",
    "[[5.9,3.0,5.1,1.8]]",
    `https://127.0.0.1:${port}/classify`,
  ], { encoding: "utf8" });
}

/** Put a pair in place as a renewal tool does: each file written aside, then renamed over the old one. */
function install(live: { cert: string; key: string }, cert: string, key: string): void {
  for (const [from, to] of [[cert, live.cert], [key, live.key]] as const) {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  }
}

function workerPids(env: Record<string, string>): Promise<number[]> {
  return runCli(["status", "--json"], env).then((r) =>
    (JSON.parse(r.stdout) as { pools: { workers: { pid: number }[] }[] }).pools.flatMap((p) =>
      p.workers.map((w) => w.pid)
    )
  );
}

test(
  "serve over HTTPS under wrk -c64: bento-kit reload rotates to a new pair with 0 failed requests; a broken pair keeps the old serial, exit 1, one line",
  async () => {
    const live = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
    install(live, first.cert, first.key);
    const env = { BENTO_STATE_DIR: mkdtempSync(join(dir, "state-")) };
    const s: Served = await serve(
      "node",
      "examples/iris",
      ["--ssl-certfile", live.cert, "--ssl-keyfile", live.key, "--no-access-log", "--api-workers", "1"],
      env,
    );
    const events = startCli(["events", "--since", "0", "--json"], env, reloadMs(3) + readyMsFor(3) * 2);
    expect(servedSerial(s.port)).toBe(fileSerial(first.cert));
    expect(await waitFor(() => s.output().split(" ready").length > 3, readyMsFor(3))).toBe(true);
    const before = await workerPids(env);
    expect(before).toHaveLength(3);

    const load = await startLoad(`https://127.0.0.1:${s.port}/classify`, { script: CLASSIFY_SCRIPT });
    install(live, second.cert, second.key);
    const reloaded = await runCli(["reload"], env, reloadMs(3));
    const figures = await load.stop();
    console.log(
      `reload under wrk -t2 -c64: ${figures.requests} requests, ${figures.socketErrors} socket errors, ${figures.non2xx} non-2xx`,
    );
    expect(reloaded.stderr).toBe("");
    expect(reloaded.code).toBe(0);
    expect(reloaded.stdout).toContain(`serial ${fileSerial(second.cert)}`);
    expect(figures.requests).toBeGreaterThan(0);
    expect(figures.socketErrors).toBe(0);
    expect(figures.non2xx).toBe(0);
    expect(servedSerial(s.port)).toBe(fileSerial(second.cert));
    // "Pool runner:iris reloaded: pids 1, 2" per pool: the command's own answer.
    const after = [...reloaded.stdout.matchAll(/reloaded: pids (.*)/g)].flatMap((m) => m[1]!.split(", ").map(Number));
    expect(after).toHaveLength(3);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);

    // A certificate with another pair's key: refused before anything changes.
    install(live, first.cert, second.key);
    const refused = await runCli(["reload"], env, reloadMs(3));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trimEnd().split("\n")).toEqual([
      `Error: --ssl-keyfile ${live.key} does not belong to the certificate ${live.cert} (their public keys differ): give the key the certificate was issued for`,
    ]);
    expect(servedSerial(s.port)).toBe(fileSerial(second.cert));
    expect(await workerPids(env)).toEqual(after);
    expect(classify(s.port)).toBe("[2]");

    expect(await s.stop("SIGTERM")).toBe(0);
    const lines = (await events.done).stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const reloads = lines.filter((e) => e.type === "reload").map((e) => [e.phase, e.certificate?.serial ?? e.message]);
    expect(reloads).toEqual([
      ["begin", fileSerial(second.cert)],
      ["done", fileSerial(second.cert)],
      ["failed", expect.stringContaining("does not belong to the certificate")],
    ]);
  },
  reloadMs(3) + readyMsFor(3) * 2,
);

test(
  "serve --grpc on a Bun supervisor with an encrypted key: a new encrypted key and its new password file rotate on SIGHUP",
  async () => {
    const live = { cert: join(dir, "grpc-cert.pem"), key: join(dir, "grpc-key.pem") };
    const passwordFile = join(dir, "grpc-password");
    install(live, first.cert, first.encryptedKey);
    copyFileSync(first.passwordFile, passwordFile);
    const env = { BENTO_STATE_DIR: mkdtempSync(join(dir, "state-")) };
    const s = await grpcServe("bun", [
      "serve",
      "examples/iris-grpc",
      "--grpc",
      "--api-workers",
      "1",
      "--ssl-certfile",
      live.cert,
      "--ssl-keyfile",
      live.key,
      "--ssl-keyfile-password-file",
      passwordFile,
    ], env);
    expect(servedSerial(s.port)).toBe(fileSerial(first.cert));

    // The renewed key under another password: the file that holds it is read again.
    const key = join(dir, "second.enc.key");
    execFileSync("openssl", ["pkey", "-in", second.key, "-aes256", "-passout", "pass:renewed-pw", "-out", key]);
    install(live, second.cert, key);
    writeFileSync(`${passwordFile}.new`, "renewed-pw\n", { mode: 0o600 });
    renameSync(`${passwordFile}.new`, passwordFile);
    // SIGHUP (no terminal here) does what bento-kit reload does.
    s.child.kill("SIGHUP");
    expect(await s.waitForOutput(/SIGHUP reload done/, reloadMs(3))).toBeDefined();
    expect(servedSerial(s.port)).toBe(fileSerial(second.cert));
    const r = await probe<{ trusted: string; label: number }>(s.port, "tls", second.ca);
    expect([r.trusted, r.label]).toEqual(["SERVING", 2]);
    expect(await s.stop("SIGTERM")).toBe(0);
  },
  reloadMs(3) + readyMsFor(3) * 2,
);
