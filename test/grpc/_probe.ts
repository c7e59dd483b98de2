/**
 * The grpc-js client checks, run on Node (`node --import tsx _probe.ts PORT
 * MODE`): Bun's node:http2 client now and then never completes a call
 * answered with trailers only (an error status), so the tests ask from Node,
 * as users' clients would. Prints one JSON line.
 *
 * - `check`: Classify x8 over 4 connections, a bad Classify, Health/Check,
 *   the reflection service list (or its error code).
 * - `stream MS KILL_AT_MS [CONNECTIONS]`: 4 (or CONNECTIONS) connections calling Classify back to back for MS;
 *   prints the time of each failure and of the first success after KILL_AT_MS.
 */
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

const result = mode === "stream" ? await stream(Number(rest[0]), Number(rest[1]), Number(rest[2] ?? 4)) : await check();
console.log(JSON.stringify(result));
process.exit(0);
