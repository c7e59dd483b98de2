/**
 * (4) Idle supervisor memory per runtime: start examples/iris, wait for a 200
 * on POST /classify and all 4 workers' ready lines, then read VmRSS of the
 * supervisor pid SAMPLES times over ~2 s. Also summed: the supervisor's
 * helper processes that are not workers (on node, tsx's esbuild service).
 * ROUNDS rounds, order rotated; median of the per-round medians.
 */
import {
  classify,
  cmdline,
  descendantsOf,
  fmt,
  freePort,
  IRIS,
  log,
  mainIf,
  median,
  QUICK,
  ratio,
  rotate,
  rssKiB,
  type Runtime,
  RUNTIMES,
  type Section,
  sleep,
  startSupervisor,
  supervisorCommandNote,
  table,
  whileServing,
} from "./_lib/mod.ts";

const ROUNDS = QUICK ? 1 : 3;
const SAMPLES = 5;
const EVERY_MS = 500;

interface Sample {
  readonly supervisor: number;
  readonly helpers: number;
  readonly helperNames: string;
}

async function once(rt: Runtime): Promise<Sample> {
  const port = await freePort();
  const proc = startSupervisor(rt, IRIS, port);
  return whileServing(proc, { workers: 4, probe: () => classify(port) }, async () => {
    const sup: number[] = [];
    const help: number[] = [];
    let names = new Set<string>();
    for (let i = 0; i < SAMPLES; i++) {
      if (i > 0) await sleep(EVERY_MS);
      sup.push(rssKiB(proc.pid));
      const helpers = descendantsOf(proc.pid).filter((pid) => !/iris\/(api|runner)\.ts/.test(cmdline(pid)));
      names = new Set(helpers.map((pid) => cmdline(pid).split(" ")[0]!.split("/").pop()!));
      help.push(helpers.reduce((a, pid) => a + (rssKiB(pid) || 0), 0));
    }
    return { supervisor: median(sup), helpers: median(help), helperNames: [...names].join(", ") || "none" };
  });
}

const mib = (kib: number): string => fmt(kib / 1024, 1);

export async function rss(): Promise<Section> {
  const got: Record<Runtime, Sample[]> = { node: [], bun: [], deno: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const rt of rotate(RUNTIMES, r)) {
      const s = await once(rt);
      got[rt].push(s);
      log(
        `rss round ${r + 1}/${ROUNDS} ${rt}: supervisor ${mib(s.supervisor)} MiB, helpers ${
          mib(s.helpers)
        } MiB (${s.helperNames})`,
      );
    }
  }
  const sup = (rt: Runtime): number => median(got[rt].map((s) => s.supervisor));
  const both = (rt: Runtime): number => median(got[rt].map((s) => s.supervisor + s.helpers));
  const notes = [
    `${supervisorCommandNote()} ` +
    `Bun ${ratio(sup("bun"), sup("node"))} and Deno ${ratio(sup("deno"), sup("node"))} of node. ` +
    "The last column counts the supervisor's children that are not workers (e.g. tsx's esbuild service, which only runs while it compiles).",
  ];
  return {
    notes,
    title: "4. Idle supervisor RSS",
    markdown:
      `examples/iris running and answering; VmRSS from /proc/PID/status, ${SAMPLES} samples ${EVERY_MS} ms apart, ` +
      `${ROUNDS} rounds, order rotated (MiB = 1024 KiB).\n\n` +
      table(
        [
          "supervisor runtime",
          "supervisor VmRSS MiB (median)",
          `per round (${ROUNDS})`,
          "vs node",
          "+ non-worker child processes MiB",
        ],
        RUNTIMES.map((rt) => [
          `\`${rt}\``,
          mib(sup(rt)),
          got[rt].map((s) => mib(s.supervisor)).join(", "),
          ratio(sup(rt), sup("node")),
          both(rt) === sup(rt)
            ? "0 (none)"
            : `${mib(both(rt) - sup(rt))} (${got[rt].map((s) => s.helperNames).join("; ")})`,
        ]),
      ),
  };
}

await mainIf(import.meta.url, rss);
