/**
 * Where things are, and the settings of this run: the repository paths the
 * benchmarks start, the run marker for the leftover check, `--quick`, and
 * the supervisor runtimes.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BENCH = join(ROOT, "bench");
export const IRIS = join(ROOT, "examples/iris");
export const HELLO_SERVICE = join(BENCH, "hello-service");
export const HELLO_WORKER = join(BENCH, "hello-worker.ts");
export const IRIS_API = join(IRIS, "api.ts");
export const CLASSIFY_BODY = "[[5.9,3.0,5.1,1.8]]";
/** Environment of an iris API worker started alone: a runner map pointing nowhere. */
export const IRIS_ALONE_ENV: NodeJS.ProcessEnv = { BENTO_RUNNER_MAP: '{"iris":"unix:///nonexistent/bench-iris.sock"}' };

/** Marks every process this run starts (inherited through the environment) for the leftover check. */
export const RUN_ID = (process.env.BENTO_KIT_BENCH ??= `${process.pid}-${Date.now()}`);

/** `--quick`: fewer rounds and shorter loads, for checking the harness itself. */
export const QUICK = process.argv.includes("--quick");

export type Runtime = "node" | "bun" | "deno";
export const RUNTIMES: readonly Runtime[] = ["node", "bun", "deno"];
