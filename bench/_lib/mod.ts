/**
 * Shared helpers for the benchmarks: start a supervisor or a lone worker,
 * poll HTTP, run wrk, read /proc, stop processes by pid, find leftovers.
 * Everything listens on 127.0.0.1 only; every wait has a deadline.
 *
 * ```ts
 * import { freePort, IRIS, classify, startSupervisor, whileServing } from "./_lib/mod.ts";
 * const port = await freePort();
 * const proc = startSupervisor("node", IRIS, port);
 * await whileServing(proc, { workers: 4, probe: () => classify(port) }, async () => {
 *   // measure while examples/iris answers; proc is stopped afterwards
 * });
 * ```
 */
export * from "./config.ts";
export * from "./stats.ts";
export * from "./procfs.ts";
export * from "./start.ts";
export * from "./stop.ts";
export * from "./http.ts";
export * from "./wait.ts";
export * from "./wrk.ts";
export * from "./report.ts";
export * from "./machine.ts";
