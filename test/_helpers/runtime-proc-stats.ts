/**
 * Probe: a process's memory and CPU time as the supervisor reads them
 * (procStatsReader over this runtime's /proc reader: libc over FFI on Deno,
 * node:fs elsewhere), for each pid in BK_PIDS, beside the same figures read
 * here as text (/proc/PID/stat split after the command name, VmRSS from
 * /proc/PID/status).
 */
import { readFileSync } from "node:fs";
import { runProbe } from "./probe-util.ts";
import { nodeProcFs, type ProcFs } from "../../src/runtime/shared/_procfs.ts";
import { procStatsReader } from "../../src/runtime/shared/_proc-stats.ts";

async function procfs(): Promise<ProcFs> {
  if (!("Deno" in globalThis)) return nodeProcFs;
  const { libcProcFs } = await import("../../src/runtime/deno/_libc-procfs.ts");
  return libcProcFs() ?? nodeProcFs;
}

function asText(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const vmRss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))!;
  return { rssBytes: Number(vmRss[1]) * 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

runProbe(async () => {
  const read = procStatsReader(await procfs());
  const pids = (process.env.BK_PIDS ?? "").split(",").map(Number);
  return {
    read: pids.map((pid) => read(pid) ?? null),
    text: pids.map(asText),
    gone: read(2 ** 22 + 1) ?? null, // above any pid_max: no such process
  };
});
