/**
 * kill -9 of a gRPC worker under a stream of calls (4 connections calling
 * Classify back to back): the replacement is ready within a bound, and the
 * calls that fail are at most the calls in flight (one per connection).
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, serviceTestMs, sleep } from "../_helpers/serve-process.ts";
import { probe } from "./_client.ts";
import { grpcServe } from "./_grpc-serve.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

interface Stream {
  calls: number;
  failures: number[];
  firstOkAfterKill?: number;
  inFlight: number;
}

test(
  "kill -9 of a grpc-js worker under a stream of Classify calls: back at once, failures <= calls in flight",
  async () => {
    const s = await grpcServe("node", ["serve", "examples/iris-grpc", "--grpc"]);
    const ready = /\[grpc_api_server:1\] iris grpc worker 1 \(pid (\d+)\) ready/g;
    const victim = Number((await s.waitForOutput(/\[grpc_api_server:1\] iris grpc worker 1 \(pid (\d+)\) ready/))![1]);
    const streaming = probe<Stream>(s.port, "stream", "6000", "2000");
    await sleep(2000);
    const killedAt = Date.now();
    process.kill(victim, "SIGKILL");
    let replacement: number | undefined;
    while (Date.now() - killedAt < 20_000 && replacement === undefined) {
      const pids = [...s.output().matchAll(ready)].map((m) => Number(m[1]));
      replacement = pids.find((p) => p !== victim);
      await sleep(10);
    }
    const backMs = Date.now() - killedAt;
    const r = await streaming;
    console.log(
      `kill -9: replacement ready after ${backMs} ms; ${r.calls} calls, ${r.failures.length} failed, first call answered after the kill at ${r.firstOkAfterKill} ms of the stream (kill at ~2000)`,
    );
    expect(replacement).toBeDefined();
    expect(r.calls).toBeGreaterThan(10);
    expect(r.failures.length).toBeLessThanOrEqual(r.inFlight);
    expect(await s.stop("SIGTERM")).toBe(0);
  },
  60_000,
);
