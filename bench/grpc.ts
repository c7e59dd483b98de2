/**
 * (6) gRPC unary throughput: `iris.v1.IrisClassifier/Classify` on
 * examples/iris-grpc under `serve --grpc` (node supervisor, 2 iris runner
 * workers), a gRPC pool of 2 workers vs 1, ROUNDS interleaved rounds. The
 * load is grpc-js on Node (test/grpc/_probe.ts `stream`): CONNECTIONS
 * connections each calling Classify back to back for SECONDS, after a 1 s
 * warm-up. Ratio 2-worker / 1-worker from medians of the same run.
 *
 *     node --import tsx bench/grpc.ts [--quick]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, probe } from "../test/grpc/_client.ts";
import { bentoKitArgv } from "./_lib/start.ts";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 8;
const CONNECTIONS = 16;

async function start(workers: number): Promise<{ child: ChildProcess; port: number }> {
  const metrics = await freePort();
  const [cmd, ...pre] = bentoKitArgv("node");
  const child = spawn(cmd!, [
    ...pre,
    "serve",
    "examples/iris-grpc",
    "--grpc",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics-host",
    "127.0.0.1",
    "--metrics-port",
    String(metrics),
    "--api-workers",
    String(workers),
  ], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BENTO_KIT_BENCH: "1" },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const m = out.match(/listening on http:\/\/\S+:(\d+) \(Press CTRL\+C/);
    if (m) return { child, port: Number(m[1]) };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`serve --grpc did not start:\n${out}`);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function measure(workers: number): Promise<number> {
  const { child, port } = await start(workers);
  try {
    await probe(port, "stream", "1000", "0", String(CONNECTIONS));
    const r = await probe<{ calls: number; failures: number[] }>(
      port,
      "stream",
      String(SECONDS * 1000),
      "0",
      String(CONNECTIONS),
    );
    if (r.failures.length > 0) throw new Error(`${r.failures.length} calls failed`);
    return r.calls / SECONDS;
  } finally {
    await stop(child);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchGrpc(): Promise<string> {
  const results: Record<number, number[]> = { 1: [], 2: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of round % 2 === 0 ? [2, 1] : [1, 2]) results[workers]!.push(await measure(workers));
  }
  const [one, two] = [median(results[1]!), median(results[2]!)];
  const load = (await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ");
  return [
    `gRPC unary Classify, ${CONNECTIONS} grpc-js connections, ${SECONDS} s x ${ROUNDS} rounds (load average ${load}):`,
    `| gRPC pool | calls/s (median) | rounds |`,
    `| --- | --- | --- |`,
    `| 1 worker | ${one.toFixed(0)} | ${results[1]!.map((x) => x.toFixed(0)).join(", ")} |`,
    `| 2 workers | ${two.toFixed(0)} | ${results[2]!.map((x) => x.toFixed(0)).join(", ")} |`,
    `ratio 2/1: ${(two / one).toFixed(2)}x`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchGrpc());
