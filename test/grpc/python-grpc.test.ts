/**
 * The same gRPC API served by a pool of 2 Python grpcio workers that bind
 * {host}:{port} themselves with SO_REUSEPORT, on one port: under a Node
 * supervisor (held when perl is on PATH, else on Node 20 checked, not held)
 * and a Bun supervisor (held through libc); never listening.
 */
import { spawnSync } from "node:child_process";
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { hasGrpcio, noteSkipped } from "../_helpers/python.ts";
import { alive, cleanup, CLEANUP_MS, serviceTestMs } from "../_helpers/serve-process.ts";
import { hasPromtool, probe, scrapeMetrics } from "./_client.ts";
import { grpcServe } from "./_grpc-serve.ts";
import { createServer } from "node:net";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);
noteSkipped("the Python grpcio tests", hasGrpcio ? [] : ["python3-grpcio"]);

/** Pids listening on TCP `port` (ss -ltnp). */
function listeners(port: number): number[] {
  const out = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).stdout;
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

/** What a plain bind (no SO_REUSEPORT) of 127.0.0.1:port gives: "ok" or the error code. */
function plainBind(port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve("ok")));
  });
}

for (const runtime of ["node", "bun"] as const) {
  test.skipIf(!hasGrpcio)(
    `${runtime} supervisor: a pool of 2 grpcio workers on one port answers Classify, health, reflection`,
    async () => {
      const s = await grpcServe(runtime, ["serve", "examples/iris-grpc/python", "--grpc", "--enable-reflection"]);
      await s.waitForOutput(/\[grpc_api_server:2\] iris grpc worker 2 .* serving on 127\.0\.0\.1:\d+/);
      expect(s.output()).toContain(`serving on 127.0.0.1:${s.port}`);
      const pids = new Set(listeners(s.port));
      expect(pids.size).toBe(2);
      // The supervisor holds the port on every runtime (Node through its perl helper): no warning, and a plain
      // bind of the port fails while the service runs.
      expect(s.output()).not.toContain("cannot bind with SO_REUSEPORT");
      expect(await plainBind(s.port)).toBe("EADDRINUSE");
      expect(await probe(s.port, "check")).toEqual({
        labels: [2, 0, 2, 0, 2, 0, 2, 0],
        bad: 3,
        health: ["SERVING", "SERVING"],
        irisFileHasService: true,
        services: [
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
          "iris.v1.IrisClassifier",
        ],
      });
      const m = await scrapeMetrics(s.metricsPort);
      expect(m.status).toBe(200);
      if (hasPromtool) expect(m.promtool).toEqual({ code: 0, out: "" });
      const workers = s.descendants();
      expect(await s.stop("SIGTERM")).toBe(0);
      expect(workers.filter(alive)).toEqual([]);
      expect(listeners(s.port)).toEqual([]);
    },
    90_000,
  );
}
