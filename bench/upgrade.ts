/**
 * (issue 23) Hot upgrade of the node supervisor on examples/iris: SIGUSR2 (what
 * `bento-kit upgrade` asks for, without the CLI's own start-up) to the old
 * supervisor gone, against one iris API worker's cold start (spawn to first
 * 200, bench/_lib/start.ts startAlone); and POST /classify requests served
 * under wrk -t2 -c64 over the same seconds without an upgrade, then with one
 * (started 1 s in), in the same run, the order alternating per round.
 * Usage: node_modules/.bin/tsx bench/upgrade.ts [--quick]
 */
import { join } from "node:path";
import { aloneColdStart } from "./respawn.ts";
import {
  fmt,
  freePort,
  IRIS,
  loadavg,
  log,
  mainIf,
  median,
  now,
  QUICK,
  ratio,
  ROOT,
  type Section,
  sleep,
  startSupervisor,
  startWrk,
  stop,
  table,
  waitReady,
} from "./_lib/mod.ts";

export const UPGRADE_TITLE = "13. Hot upgrade of the supervisor (issue 23)";
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 8 : 12;
const LUA = join(ROOT, "bench", "classify.lua");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop the supervisor that took over (it is not our child) and wait until it is gone. */
async function stopByPid(pid: number): Promise<void> {
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 600 && alive(pid); i++) await sleep(50);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

export async function upgrade(): Promise<Section> {
  const took: number[] = [];
  const alone: number[] = [];
  const quiet: number[] = [];
  const during: number[] = [];
  let failed = 0;
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const port = await freePort();
    const sup = startSupervisor("node", IRIS, port, { args: ["--no-access-log"] });
    let successor: number | undefined;
    try {
      await waitReady(sup, 4);
      await startWrk(port, "/classify", 3, LUA).done; // warm-up
      const calm = async () => quiet.push((await startWrk(port, "/classify", SECONDS, LUA).done).rps * SECONDS);
      // The order alternates: quiet seconds before the upgrade (old supervisor) or after it (new one).
      if (round % 2 === 0) await calm();
      const load = startWrk(port, "/classify", SECONDS, LUA);
      await sleep(1000);
      const t0 = now();
      process.kill(sup.pid, "SIGUSR2");
      await sup.exited;
      took.push(now() - t0);
      const m = sup.lines.map((l) => /Upgrade: supervisor pid (\d+) is ready/.exec(l.text)).find(Boolean);
      successor = m ? Number(m[1]) : undefined;
      const r = await load.done;
      during.push(r.rps * SECONDS);
      failed += r.socketErrors + r.non2xx;
      if (round % 2 === 1) await calm();
      loads.push(loadavg());
      alone.push(await aloneColdStart());
      log(
        `upgrade ${round + 1}/${ROUNDS}: old gone ${fmt(took.at(-1)!)} ms after SIGUSR2; ${
          fmt(during.at(-1)!)
        } requests in ${SECONDS} s with the upgrade vs ${fmt(quiet.at(-1)!)} without; ${
          r.socketErrors + r.non2xx
        } failed; one worker's cold start ${fmt(alone.at(-1)!)} ms`,
      );
    } finally {
      if (successor !== undefined) await stopByPid(successor);
      await stop(sup);
    }
  }
  const cold = median(alone);
  return {
    title: UPGRADE_TITLE,
    markdown:
      `${ROUNDS} upgrades of the node supervisor serving examples/iris (2 API workers, 2 runners), each under ` +
      `\`wrk -t2 -c64 -d${SECONDS}s\` on POST /classify from 1 s before the SIGUSR2, after a 3 s warm-up; ` +
      `${SECONDS} s of the same load without an upgrade ran just before it (old supervisor) or, every other round, ` +
      `just after it (new supervisor). Load average during the runs: ${
        loads.join("; ")
      } (the machine is shared with other engineers' work). Failed requests during all upgrades: ${failed}.\n\n` +
      table(["measure", "median", "all", "vs baseline"], [
        [
          "SIGUSR2 -> old supervisor gone (ms)",
          fmt(median(took)),
          took.map((x) => fmt(x)).join(", "),
          `${ratio(median(took), cold)} one worker's cold start`,
        ],
        [
          "baseline: 1 iris API worker alone, spawn -> first 200 (ms)",
          fmt(cold),
          alone.map((x) => fmt(x)).join(", "),
          "",
        ],
        [
          `requests served in ${SECONDS} s with an upgrade`,
          fmt(median(during)),
          during.map((x) => fmt(x)).join(", "),
          `${ratio(median(during), median(quiet))} the same seconds without`,
        ],
        [`requests served in ${SECONDS} s without one`, fmt(median(quiet)), quiet.map((x) => fmt(x)).join(", "), ""],
      ]),
    notes: [
      "The upgrade time is a whole second supervisor's start (its node + tsx or compiled CLI, its runners and API workers " +
      "to ready) plus the old workers' drain; both supervisors' workers share the 2 cores meanwhile, which is what " +
      "the requests column pays (the new workers' start-up takes CPU from the serving ones); while both run, the old " +
      "workers and the new ones serve the same socket side by side, so no request waits for a worker to exist.",
    ],
  };
}

await mainIf(import.meta.url, upgrade);
