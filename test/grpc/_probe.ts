/**
 * The grpc-js client checks, run on Node (`node --import tsx _probe.ts PORT
 * MODE`): Bun's node:http2 client now and then never completes a call
 * answered with trailers only (an error status), so the tests ask from Node,
 * as users' clients would. Prints one JSON line.
 *
 * - `check`: Classify x8 over 4 connections, a bad Classify, Health/Check,
 *   the reflection service list (or its error code).
 * - `tls CA [CERT KEY]`: Health/Check and Classify over TLS trusting CA (with
 *   CERT/KEY as the client certificate when given), Health/Check trusting the
 *   default roots only, and in plaintext: each SERVING, a label or the error.
 * - `stream MS KILL_AT_MS [CONNECTIONS]`: 4 (or CONNECTIONS) connections calling Classify back to back for MS;
 *   prints the time of each failure and of the first success after KILL_AT_MS.
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { fileContaining, healthCheck, irisClient, listServices } from "./_client.ts";

const [port, mode = "check", ...rest] = process.argv.slice(2);
const P = Number(port);
const VIRGINICA = [5.9, 3.0, 5.1, 1.8];

async function check() {
  const clients = Array.from({ length: 4 }, () => irisClient(P));
  const labels = await Promise.all(clients.flatMap((c) => [c.classify(VIRGINICA), c.classify([5.1, 3.5, 1.4, 0.2])]));
  const bad = await clients[0]!.classify([1, 2]).then(() => undefined, (e: { code: number }) => e.code);
  for (const c of clients) c.close();
  const health = [await healthCheck(P), await healthCheck(P, "iris.v1.IrisClassifier")];
  const services = await listServices(P).catch((e: { code: number }) => e.code);
  const files = typeof services === "number"
    ? []
    : (await fileContaining(P, "iris.v1.IrisClassifier")).map((b) => b.toString("latin1"));
  return { labels, bad, health, services, irisFileHasService: files.some((f) => f.includes("IrisClassifier")) };
}

async function stream(ms: number, killAt: number, connections: number) {
  const clients = Array.from({ length: connections }, () => irisClient(P));
  const start = Date.now();
  const failures: number[] = [];
  let calls = 0;
  let firstOkAfterKill: number | undefined;
  await Promise.all(clients.map(async (c) => {
    while (Date.now() - start < ms) {
      const t = Date.now() - start;
      try {
        await c.classify(VIRGINICA, 5000);
        calls++;
        if (t >= killAt && firstOkAfterKill === undefined) firstOkAfterKill = Date.now() - start;
      } catch {
        failures.push(Date.now() - start);
      }
    }
  }));
  for (const c of clients) c.close();
  return { calls, failures, firstOkAfterKill, inFlight: clients.length };
}

/** An answer, or the error as `code: details` (the handshake failures are UNAVAILABLE, 14). */
function outcome<T>(p: Promise<T>): Promise<T | string> {
  return p.catch((e: { code?: number; details?: string }) => `${e.code}: ${e.details}`);
}

async function tls(ca: string, cert?: string, key?: string) {
  process.noDeprecation = true; // "Setting the TLS ServerName to an IP address": the target is 127.0.0.1
  const read = (f: string | undefined) => (f === undefined ? null : readFileSync(f));
  const trusted = grpc.credentials.createSsl(read(ca), read(key), read(cert));
  const client = irisClient(P, trusted);
  const label = await outcome(client.classify(VIRGINICA, 10_000));
  client.close();
  return {
    trusted: await outcome(healthCheck(P, "", trusted)),
    label,
    defaultRoots: await outcome(healthCheck(P, "", grpc.credentials.createSsl())),
    plaintext: await outcome(healthCheck(P, "")),
  };
}

const result = mode === "stream"
  ? await stream(Number(rest[0]), Number(rest[1]), Number(rest[2] ?? 4))
  : mode === "tls"
  ? await tls(rest[0]!, rest[1], rest[2])
  : await check();
console.log(JSON.stringify(result));
process.exit(0);
