/**
 * A worker's own line writer (src/worker/_log.ts) on BENTO_LOG_FD, driven by
 * test/worker/log-writer.test.ts: one line, then (once the test has seen it and
 * created GO_FILE) BURST lines in one go, then an exit: at once on Node and Bun
 * (what is queued goes out synchronously), after logDrained on Deno (as a
 * stopping worker does).
 */
import { existsSync } from "node:fs";
import { logDrained, workerLog } from "../../src/worker/_log.ts";

const log = workerLog();
const burst = Number(process.env.BURST);
const go = process.env.GO_FILE!;

log("lone line");
for (let i = 0; i < 2000 && !existsSync(go); i++) await new Promise((resolve) => setTimeout(resolve, 10));
if (!existsSync(go)) process.exit(3); // the lone line never came out on its own
for (let i = 0; i < burst; i++) log(`burst line ${i} ${"x".repeat(i % 300)}`);
if ("Deno" in globalThis) await logDrained(5_000);
process.exit(0);
