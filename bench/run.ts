/**
 * Runs the five benchmarks in one invocation and rewrites bench/RESULTS.md
 * (`--quick`: fewer rounds, prints only). Usage: `bash bench/run.sh`.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { coldStart } from "./coldstart.ts";
import { throughput } from "./throughput.ts";
import { respawn } from "./respawn.ts";
import { rss } from "./rss.ts";
import { admin } from "./admin.ts";
import { chaos } from "./chaos.ts";
import { monitoring } from "./monitoring.ts";
import { tls } from "./tls.ts";
import { workers } from "./workers.ts";
import { BENCH, fmt, leftovers, loadavg, log, now, QUICK, renderSection, ROOT, type Section } from "./_lib/mod.ts";

const version = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: 10_000 }).split("\n")[0]!.trim();
  } catch (e) {
    // wrk -v prints its version, then exits 1.
    return String((e as { stdout?: string }).stdout ?? "?").split("\n")[0]!.trim() || "?";
  }
};

const t0 = now();
const started = new Date();
const machine = [
  `- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC`,
  `- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Linux ${version("uname", ["-r"])}`,
  `- Node ${process.version}, Bun ${version(join(ROOT, "node_modules/.bin/bun"), ["--version"])}, ` +
    `${version(join(ROOT, "node_modules/.bin/deno"), ["--version"])}, ${version("wrk", ["-v"]).split(" [")[0]}`,
  `- Commit ${version("git", ["rev-parse", "--short", "HEAD"])} plus the uncommitted work tree of that moment`,
];

const benches: [string, () => Promise<Section>][] = [
  ["cold start", coldStart],
  ["throughput", throughput],
  ["respawn", respawn],
  ["rss", rss],
  ["admin", admin],
  ["chaos", chaos],
  ["monitoring", monitoring],
  ["tls", tls],
  ["worker runtimes", workers],
];
const parts: string[] = [];
for (const [name, bench] of benches) {
  const before = loadavg();
  const b0 = now();
  log(`${name}: start (load average ${before})`);
  const section = await bench();
  const took = (now() - b0) / 1000;
  parts.push(renderSection(section) + `\n_Took ${fmt(took)} s; load average before ${before}, after ${loadavg()}._\n`);
  log(`${name}: done in ${fmt(took)} s`);
}

const left = leftovers();
const total = (now() - t0) / 1000;
const doc = `# bento-kit benchmark results

Written by \`bash bench/run.sh\` (= \`node --import tsx bench/run.ts\`); rerun that to reproduce.
Every comparison below is made within this one invocation: its cases interleaved, medians
reported, ratios taken against a baseline measured in the same run. See bench/README.md.

${machine.join("\n")}
- Whole run: ${fmt(total)} s. Leftover processes after the run: ${left.length === 0 ? "none" : left.join("; ")}
- The machine is shared: other sessions run test suites on the same 2 cores at the same time, so
  single numbers are noisy. The load averages next to each section show how busy it was.

${parts.join("\n")}`;

if (QUICK) {
  console.log(doc);
} else {
  writeFileSync(join(BENCH, "RESULTS.md"), doc);
  log(`wrote bench/RESULTS.md (${fmt(total)} s)`);
}
if (left.length > 0) {
  console.error(`LEFTOVER processes:\n${left.join("\n")}`);
  process.exitCode = 1;
}
