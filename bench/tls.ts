/**
 * (5) HTTPS vs HTTP. The hello worker alone on one inherited socket (as in
 * throughput.ts), once plain and once with TLS from the variables the
 * bento:tls plugin hands an API worker (BENTO_SSL_CERTFILE, BENTO_SSL_KEYFILE;
 * an RSA 2048 certificate made with openssl), wrk -t2 -c64 on kept-alive
 * connections (so the handshake cost is spread; this is the cost of the
 * encryption per request), ROUNDS interleaved rounds, ratio https/http.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  fmt,
  freePort,
  HELLO_WORKER,
  http,
  type HttpResult,
  log,
  mainIf,
  median,
  QUICK,
  ratio,
  rotate,
  type Section,
  startAlone,
  table,
  whileServing,
  wrk,
  type WrkResult,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 10;

type Scheme = "http" | "https";

function makeCert(dir: string): { cert: string; key: string } {
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-keyout",
    "key.pem",
    "-out",
    "cert.pem",
    "-subj",
    "/CN=localhost",
  ], { cwd: dir, stdio: "ignore" });
  return { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
}

function httpsProbe(port: number): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/",
      agent: false,
      rejectUnauthorized: false,
      timeout: 10_000,
    }, (r) => {
      r.resume();
      r.on("end", () => res({ status: r.statusCode ?? 0, pid: undefined, body: "" }));
    });
    req.on("error", rej);
    req.end();
  });
}

async function hello(scheme: Scheme, tls: { cert: string; key: string }): Promise<WrkResult> {
  const port = await freePort();
  const env = scheme === "https" ? { BENTO_SSL_CERTFILE: tls.cert, BENTO_SSL_KEYFILE: tls.key } : {};
  const proc = startAlone(HELLO_WORKER, port, env);
  const probe = scheme === "https" ? () => httpsProbe(port) : () => http(port, "GET", "/");
  return whileServing(proc, { workers: 1, probe }, async () => {
    await wrk(port, "/", 2, undefined, scheme);
    return wrk(port, "/", SECONDS, undefined, scheme);
  });
}

export async function tls(): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-bench-tls-"));
  try {
    const cert = makeCert(dir);
    const runs: Record<Scheme, WrkResult[]> = { http: [], https: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const scheme of rotate(["http", "https"] as const, r)) {
        const m = await hello(scheme, cert);
        runs[scheme].push(m);
        log(`tls round ${r + 1}/${ROUNDS} hello over ${scheme}: ${fmt(m.rps)} req/s`);
      }
    }
    const rps = (s: Scheme): number => median(runs[s].map((m) => m.rps));
    const markdown = table(
      [
        "scheme",
        "median req/s",
        `runs (req/s, ${ROUNDS} interleaved)`,
        "median p50 / p99 ms",
        "errors + non-2xx",
        "vs http",
      ],
      (["http", "https"] as const).map((s) => [
        s,
        fmt(rps(s)),
        runs[s].map((m) => fmt(m.rps)).join(", "),
        `${fmt(median(runs[s].map((m) => m.p50ms)), 2)} / ${fmt(median(runs[s].map((m) => m.p99ms)), 2)}`,
        String(runs[s].reduce((a, m) => a + m.non2xx + m.socketErrors, 0)),
        ratio(rps(s), rps("http")),
      ]),
    );
    return {
      title: "8. HTTPS vs HTTP (one TypeScript hello worker, `bento-kit/worker`'s serve())",
      markdown,
      notes: [
        `HTTPS / HTTP throughput: ${
          ratio(rps("https"), rps("http"))
        } (wrk -t2 -c64, kept-alive connections, RSA 2048 certificate, TLS 1.3).`,
        "The worker alone, with the BENTO_SSL_* variables the TLS plugin sets; wrk does not check the certificate.",
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await mainIf(import.meta.url, tls);
