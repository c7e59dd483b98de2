/**
 * Runs the five benchmarks in one invocation and rewrites bench/RESULTS.md
 * (`--quick`: fewer rounds, prints only). Usage: `bash bench/run.sh`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
import {
  BENCH,
  buildDist,
  fmt,
  leftovers,
  loadavg,
  log,
  machineLines,
  now,
  QUICK,
  renderSection,
  type Section,
  splitSections,
} from "./_lib/mod.ts";

// The node supervisor runs the compiled CLI when dist/ is built (bench/_lib/start.ts): build the current code.
buildDist();
const t0 = now();
const started = new Date();
const machine = machineLines(started);

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

// Sections this run does not write stay as the benchmarks run alone wrote them: bench/peers.ts
// (it needs circus and pm2), node-versions.ts (the Node versions of .ci/node-versions),
// serving-cost.ts (it builds an older commit in a worktree), upgrade.ts, rotation.ts, charts-rss.ts
// (15 minutes), and the issue 20 start-up, respawn and admin-load benchmarks (each its own
// command: bench/README.md).
const file = join(BENCH, "RESULTS.md");
const written = new Set(parts.map((p) => p.slice(3, p.indexOf("\n")).trim()));
const kept = existsSync(file)
  ? splitSections(readFileSync(file, "utf8")).sections.filter((s) => !written.has(s.title)).map((s) => s.text)
  : [];

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

${[...parts, ...kept].join("\n")}`;

if (QUICK) {
  console.log(doc);
} else {
  writeFileSync(file, doc);
  log(`wrote bench/RESULTS.md (${fmt(total)} s)`);
}
if (left.length > 0) {
  console.error(`LEFTOVER processes:\n${left.join("\n")}`);
  process.exitCode = 1;
}
