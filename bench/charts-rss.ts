/**
 * (16) What the dashboard's time series cost the supervisor (issue 22): two
 * node supervisors of examples/iris started side by side, one with the charts
 * sampled (the default), one with --no-admin-charts (the baseline, same run),
 * both under the same light load (`wrk -t1 -c8` on POST /classify) for
 * MINUTES (15 by default: the series then holds its whole 15-minute window).
 * The supervisors' VmRSS is read every 15 s; the figure compared is the
 * median of the last 10 readings. Also the size of GET /v1/series at the end
 * (the whole window). Writes its section of RESULTS.md (--quick: 1 minute, printed only).
 *
 *   node --import tsx bench/charts-rss.ts [--quick] [--minutes N] [--idle]
 *
 * --idle: no load (what the sampler costs by itself), printed only.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BENCH,
  classify,
  fmt,
  freePort,
  IRIS,
  leftovers,
  loadavg,
  log,
  machineLines,
  median,
  now,
  type Proc,
  putSection,
  QUICK,
  renderSection,
  rssKiB,
  sleep,
  startSupervisor,
  stop,
  supervisorCommandNote,
  table,
  waitFor,
  waitReady,
} from "./_lib/mod.ts";

export const CHARTS_TITLE = "19. Supervisor RSS with the dashboard's time series (issue 22)";
const arg = process.argv.indexOf("--minutes");
const MINUTES = arg > 0 ? Number(process.argv[arg + 1]) : QUICK ? 1 : 15;
const IDLE = process.argv.includes("--idle");
const EVERY_MS = 15_000;
const LAST = 10;
const TOKEN = "bench-charts-token-0123456789";

interface Side {
  readonly name: string;
  readonly proc: Proc;
  readonly port: number;
  readonly rss: number[];
}

async function start(name: string, args: string[], stateDir: string): Promise<Side> {
  const port = await freePort();
  const proc = startSupervisor("node", IRIS, port, {
    args,
    env: { BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: stateDir },
  });
  return { name, proc, port, rss: [] };
}

/** wrk at a light, steady load for `seconds` (the two services share 2 busy cores). */
function load(port: number, seconds: number): Promise<string> {
  const args = ["-t1", "-c8", `-d${seconds}s`, "-s", join(BENCH, "classify.lua"), `http://127.0.0.1:${port}/classify`];
  return new Promise((res, rej) =>
    execFile("wrk", args, { timeout: (seconds + 30) * 1000 }, (e, out) => (e ? rej(e) : res(out)))
  );
}

/** The admin URL from the start log (read before the load: the kept lines are bounded). */
function adminUrl(side: Side): string | undefined {
  return /Admin API and dashboard on (http:\/\/\S+)/.exec(side.proc.lines.map((l) => l.text).join("\n"))?.[1];
}

async function seriesBytes(url: string | undefined): Promise<number> {
  if (!url) return NaN;
  const res = await fetch(`${url}/v1/series`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.arrayBuffer()).byteLength;
}

export async function chartsRss(): Promise<string> {
  const t0 = now();
  const before = loadavg();
  const stateDir = mkdtempSync(join(tmpdir(), "bench-charts-"));
  const sides = [
    await start("charts on (default)", [], stateDir),
    await start("--no-admin-charts", ["--no-admin-charts"], stateDir),
  ];
  let bytes = NaN;
  let rps: string[] = [];
  try {
    for (const s of sides) {
      await waitReady(s.proc, 4, 60_000);
      await waitFor(s.proc, () => classify(s.port), { deadlineMs: 60_000 });
    }
    const url = adminUrl(sides[0]!);
    log(`charts rss: both serving; ${MINUTES} min of load`);
    const loads = sides.map((s) => (IDLE ? Promise.resolve("") : load(s.port, MINUTES * 60)));
    const end = now() + MINUTES * 60_000;
    while (now() < end) {
      await sleep(Math.min(EVERY_MS, Math.max(0, end - now())));
      for (const s of sides) s.rss.push(rssKiB(s.proc.pid));
      log(`charts rss: ${sides.map((s) => `${s.name} ${fmt(s.rss.at(-1)! / 1024, 1)} MiB`).join(", ")}`);
    }
    rps = (await Promise.all(loads)).map((out) => /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? "?");
    bytes = await seriesBytes(url);
  } finally {
    for (const s of sides) await stop(s.proc);
    rmSync(stateDir, { recursive: true, force: true });
  }
  const last = (s: Side) => median(s.rss.slice(-LAST)) / 1024;
  const [on, off] = [last(sides[0]!), last(sides[1]!)];
  const after = loadavg();
  return renderSection({
    title: CHARTS_TITLE,
    markdown: table(
      [
        "supervisor",
        `VmRSS MiB (median of the last ${LAST} readings)`,
        "vs baseline",
        "all readings (MiB, every 15 s)",
        "wrk req/s",
      ],
      sides.map((s, i) => [
        s.name + (i === 1 ? " (baseline)" : ""),
        fmt(last(s), 1),
        i === 1 ? "—" : `${on - off >= 0 ? "+" : ""}${fmt(on - off, 1)} MiB`,
        s.rss.map((k) => fmt(k / 1024, 0)).join(" "),
        rps[i] ?? "?",
      ]),
    ),
    notes: [
      `Two node supervisors of examples/iris side by side for ${MINUTES} min, ` +
      `${IDLE ? "idle (no load)" : "each under wrk -t1 -c8 on POST /classify"}. ` +
      supervisorCommandNote(),
      `GET /v1/series at the end (${MINUTES >= 15 ? "the whole 15-minute window" : `${MINUTES} min of samples`}, ` +
      `2 pools of 2 workers): ${fmt(bytes / 1024, 1)} KiB.`,
      ...machineLines(new Date()).filter((l) => !l.startsWith("- Node")).map((l) => l.slice(2)),
      `Took ${fmt((now() - t0) / 1000)} s; load average before ${before}, after ${after} (2 cores shared with ` +
      "other sessions' test runs and benchmarks: two readings of one process differ by a few MiB as its heap grows and is collected).",
    ],
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const section = await chartsRss();
    if (QUICK || IDLE) console.log(section);
    else {
      const file = join(BENCH, "RESULTS.md");
      writeFileSync(file, putSection(readFileSync(file, "utf8"), CHARTS_TITLE, section));
      log("wrote its section of bench/RESULTS.md");
    }
  } finally {
    const left = leftovers();
    if (left.length > 0) {
      console.error(`LEFTOVER processes:\n${left.join("\n")}`);
      process.exitCode = 1;
    }
  }
}
