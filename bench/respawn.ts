/**
 * (3) SIGKILL-to-replacement latency: examples/iris under the node supervisor;
 * SIGKILL one API worker (ids 1 and 2 in turn), then poll GET /healthz on
 * fresh connections every POLL_MS until a pid that was not serving before
 * answers. Also noted: when the replacement's ready line (same worker id, new
 * pid) reached the supervisor's stdout. Each round starts a fresh supervisor
 * and kills each worker id once: a worker's first death is replaced at once,
 * while repeated deaths within 30 s would be crash-loop back-off, not latency.
 * Baseline, same run, interleaved: one iris API worker started alone, spawn to
 * its first 200 on /healthz (bench/_lib/start.ts startAlone).
 */
import {
  fmt,
  freePort,
  http,
  IRIS,
  IRIS_ALONE_ENV,
  IRIS_API,
  log,
  mainIf,
  median,
  now,
  QUICK,
  ratio,
  readyWorkers,
  type Section,
  sleep,
  startAlone,
  startSupervisor,
  stop,
  table,
  track,
  waitFor,
  waitReady,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 2 : 5;
const KILLS = ROUNDS * 2;
const POLL_MS = 5;

/** One iris API worker started alone: spawn to its first 200 on /healthz (ms). */
export async function aloneColdStart(): Promise<number> {
  const port = await freePort();
  const proc = startAlone(IRIS_API, port, IRIS_ALONE_ENV);
  try {
    const { t } = await waitFor(proc, () => http(port, "GET", "/healthz"), { pollMs: POLL_MS });
    return t - proc.t0;
  } finally {
    await stop(proc);
  }
}

export async function respawn(): Promise<Section> {
  const answer: number[] = [];
  const ready: number[] = [];
  const alone: number[] = [];
  let failed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const port = await freePort();
    const sup = startSupervisor("node", IRIS, port);
    try {
      await waitReady(sup, 4);
      await waitFor(sup, () => http(port, "GET", "/healthz"));
      for (const id of [1, 2]) {
        const k = round * 2 + id;
        const api = (): Map<number, { pid: number; t: number }> => {
          const m = new Map<number, { pid: number; t: number }>();
          for (const w of readyWorkers(sup)) if (w.pool === "api_server") m.set(w.id, w);
          return m;
        };
        const victim = api().get(id);
        if (victim === undefined) throw new Error(`no ready API worker ${id}`);
        await sleep(300); // let the machine settle after start-up or the previous measurement
        const before = new Set([...api().values()].map((w) => w.pid));
        const t0 = now();
        process.kill(victim.pid, "SIGKILL");
        const got = await waitFor(sup, () => http(port, "GET", "/healthz", undefined, 10_000), {
          pollMs: POLL_MS,
          deadlineMs: 20_000,
          accept: (r) => r.pid !== undefined && !before.has(r.pid),
        });
        failed += got.errors;
        const tAnswer = got.t - t0;
        // The replacement's ready line may trail its first answer by a moment.
        for (let i = 0; i < 100 && api().get(id)?.pid === victim.pid; i++) await sleep(10);
        const replacement = api().get(id);
        if (replacement === undefined || replacement.pid === victim.pid || replacement.pid !== got.result.pid) {
          throw new Error(
            `kill ${k}: worker ${id}'s replacement (${replacement?.pid}) is not the new pid that answered (${got.result.pid})`,
          );
        }
        track(sup);
        answer.push(tAnswer);
        ready.push(replacement.t - t0);
        const a = await aloneColdStart();
        alone.push(a);
        log(
          `respawn ${k}/${KILLS}: killed worker ${id} pid ${victim.pid}; pid ${replacement.pid} ready line ${
            fmt(replacement.t - t0)
          } ms, answered ${fmt(tAnswer)} ms; worker alone cold start ${fmt(a)} ms`,
        );
      }
    } finally {
      await stop(sup);
    }
  }
  const base = median(alone);
  const row = (
    name: string,
    xs: number[],
  ): string[] => [name, fmt(median(xs)), xs.map((x) => fmt(x)).join(", "), ratio(median(xs), base)];
  const notes = [
    `The replacement answers ${fmt(median(answer))} ms after the SIGKILL, ${
      ratio(median(answer), base)
    } a lone worker's cold start ` +
    `(${fmt(base)} ms). Its ready line, relayed by the supervisor, arrives ${
      fmt(median(ready))
    } ms after the SIGKILL, ` +
    (median(ready) > base
      ? `so noticing the exit and spawning the replacement add roughly ${
        fmt(median(ready) - base)
      } ms to the worker's own Node start-up. `
      : `before a lone worker's first 200: noticing the exit and spawning the replacement cost less than the ` +
        `two measurements differ by (a lone start is timed to its first 200 through the polls, a replacement to ` +
        `its ready line; both start with Node's compile cache filled). `) +
    `The remaining ${
      fmt(median(answer.map((x, i) => x - (ready[i] ?? NaN))))
    } ms (median, ready line to the first answer from the new pid) is ` +
    `the polling: the polls (one every ${POLL_MS} ms) are shared between the new worker and the surviving one.`,
    failed === 0
      ? "No poll failed: while one worker was down the other answered, and connections queue on the supervisor's socket, not the dead worker's."
      : `Surprise: ${failed} poll(s) failed during the kills (a connection the killed worker had accepted but not answered is reset).`,
  ];
  return {
    notes,
    title: "3. SIGKILL to replacement worker answering",
    markdown:
      `${KILLS} SIGKILLs of an iris API worker (ids 1 then 2, in each of ${ROUNDS} fresh supervisors), polling GET /healthz ` +
      `with \`Connection: close\` every ${POLL_MS} ms. Failed polls during all kills: ${failed} ` +
      "(the listening socket stays with the supervisor and the other worker keeps serving).\n\n" +
      table(["measure", "median ms", "all (ms)", "vs 1 worker alone"], [
        row("SIGKILL -> replacement (new pid, same id) answers", answer),
        row("SIGKILL -> replacement's ready line on supervisor stdout", ready),
        row("baseline: 1 iris API worker alone, spawn -> first 200", alone),
      ]),
  };
}

await mainIf(import.meta.url, respawn);
