import { appendFileSync } from "node:fs";
import { ok } from "neverthrow";
import { definePlugin, defineService } from "bento-kit";

/**
 * Writes what the lifecycle hooks saw to $BENTO_TEST_LOG, one line each:
 * `afterSpawn POOL:ID PID`, `beforeSignal POOL:ID PID SIGNAL WHY`,
 * `afterPoolStop POOL CAUSE`. API workers get SIGINT instead of SIGTERM.
 */
const note = (line: string) => appendFileSync(process.env.BENTO_TEST_LOG!, `${line}\n`);
const lifecycle = definePlugin({
  name: "test:lifecycle",
  afterSpawn: (w) => note(`afterSpawn ${w.pool}:${w.workerId} ${w.pid}`),
  beforeSignal: (s) => {
    const signal = s.pool === "api_server" ? "SIGINT" as const : s.signal;
    note(`beforeSignal ${s.pool}:${s.workerId} ${s.pid} ${signal} ${s.why}`);
    return ok({ ...s, signal });
  },
  afterPoolStop: (p) => note(`afterPoolStop ${p.pool} ${p.cause}`),
});

// Each worker says which signal ended it (its `sleep` dies with the group; the shell's trap answers).
const worker = (
  name: string,
) => [
  "sh",
  "-c",
  `trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; echo ${name} ready; while :; do sleep 0.05; done`,
];

export default defineService({
  name: "lifecycle",
  api: { command: worker("api"), workers: 2, ready: { log: "ready" } },
  runners: { r: { command: worker("runner"), workers: 1, ready: { log: "ready" } } },
  plugins: [lifecycle],
});
