/**
 * A real Prometheus server (Debian's `prometheus`) for the tests: scrapes one
 * target every second on a loopback port, answers queries, and is stopped by
 * pid with its data dir removed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrometheusServer {
  /** An instant query: `[labels, value]` per series (vector), or raw samples per series (range selector). */
  query(
    expr: string,
  ): Promise<{ metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[]>;
  stop(): Promise<void>;
  output(): string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(targetPort: number): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-test-prometheus-"));
  const port = await freePort();
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: iris",
      "    metrics_path: /metrics",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${targetPort}"]`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("/usr/bin/prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const server: PrometheusServer & { port: number } = {
    port,
    async query(expr) {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = await res.json() as { status: string; data: { result: [] }; error?: string };
      if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
      return body.data.result;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => out,
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fetch(`${base}/-/ready`).then((r) => r.ok, () => false)) return server;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new Error(`prometheus did not start:\n${out}`);
}
