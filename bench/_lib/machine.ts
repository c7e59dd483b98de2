/** What a result was measured on: the machine, the runtimes' and wrk's versions, the commit. */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./config.ts";
import { fmt } from "./stats.ts";

/** First line of `cmd args`' output (or of what it printed before failing: `wrk -v` exits 1), "?" when it cannot run. */
export const version = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: 10_000 }).split("\n")[0]!.trim();
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? "?").split("\n")[0]!.trim() || "?";
  }
};

/** Markdown list lines: date, machine, Node/Bun/Deno/wrk versions, commit. */
export const machineLines = (started: Date): string[] => [
  `- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC`,
  `- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Linux ${
    version("uname", ["-r"])
  }`,
  `- Node ${process.version}, Bun ${version(join(ROOT, "node_modules/.bin/bun"), ["--version"])}, ` +
  `${version(join(ROOT, "node_modules/.bin/deno"), ["--version"])}, ${version("wrk", ["-v"]).split(" [")[0]}`,
  `- Commit ${version("git", ["rev-parse", "--short", "HEAD"])}${
    // bench/RESULTS.md aside: the benchmarks of one pass write it one after another.
    version("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"]) === ""
      ? " (a clean work tree)"
      : " plus the uncommitted changes of that moment"}`,
];
