/**
 * Output: progress lines on stderr, a result section as Markdown, and running
 * one benchmark file on its own (with the leftover check at its end).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH, QUICK } from "./config.ts";
import { machineLines } from "./machine.ts";
import { fmt } from "./stats.ts";
import { leftovers } from "./stop.ts";

/** Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => " --- ").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export interface Section {
  readonly title: string;
  readonly markdown: string;
  /** Readings of the numbers, written from them (so a rerun keeps them true). */
  readonly notes?: readonly string[];
}

export const renderSection = (s: Section): string =>
  `## ${s.title}\n\n${s.markdown}\n` + (s.notes?.length ? `\n${s.notes.map((n) => `- ${n}`).join("\n")}\n` : "");

/** Runs `bench` and prints its section when the file is the entry point. */
export async function mainIf(url: string, bench: () => Promise<Section>): Promise<void> {
  if (process.argv[1] === undefined || url !== pathToFileURL(resolve(process.argv[1])).href) return;
  try {
    const s = await bench();
    console.log(`\n${renderSection(s)}`);
  } finally {
    const left = leftovers();
    if (left.length > 0) {
      console.error(`LEFTOVER processes:\n${left.join("\n")}`);
      process.exitCode = 1;
    }
  }
}

export const log = (msg: string): void =>
  void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** A Markdown document cut at its `## ` headings: what comes before the first, then each section with its title. */
export function splitSections(doc: string): { head: string; sections: { title: string; text: string }[] } {
  const [head = "", ...rest] = doc.split(/^(?=## )/m);
  if (!head.startsWith("## ")) return { head, sections: rest.map(toSection) };
  return { head: "", sections: [head, ...rest].map(toSection) };
}

const toSection = (text: string): { title: string; text: string } => ({
  title: text.slice(3, text.indexOf("\n") >>> 0).trim(),
  text,
});

/** `doc` with the section titled `title` replaced by `text` (a whole `## ` section), or with `text` appended. */
export function putSection(doc: string, title: string, text: string): string {
  const { head, sections } = splitSections(doc);
  const body = text.endsWith("\n") ? text : `${text}\n`;
  const at = sections.findIndex((s) => s.title === title);
  const next = at < 0 ? [...sections.map((s) => s.text), body] : sections.map((s, i) => (i === at ? body : s.text));
  return head +
    next.map((t, i) => (i < next.length - 1 && !t.endsWith("\n\n") ? `${t.replace(/\n*$/, "")}\n\n` : t)).join("");
}

/**
 * The sections of the benchmarks run alone (not by run.ts), each written into
 * bench/RESULTS.md by its own run (`mainWrites`) and kept when run.ts rewrites the file.
 */
export const ALONE_TITLES = {
  replace: "16. SIGKILL to replacement spawned, bento-kit vs pm2 (issue 20)",
  adminLoad: "17. Admin latency under load vs a trivial HTTP server (issue 20)",
  floorStart: "18. Cold start and idle RSS over each runtime's floor (issue 20)",
} as const;

/** mainIf, and (without --quick) the section written into bench/RESULTS.md in place of its previous run's. */
export async function mainWrites(url: string, bench: () => Promise<Section>): Promise<void> {
  await mainIf(url, async () => {
    const started = new Date();
    const s = await bench();
    if (!QUICK) {
      const file = join(BENCH, "RESULTS.md");
      // What it ran on and when: the section is written alone, not under run.ts's header.
      const took = `- Run alone; took ${fmt((Date.now() - started.getTime()) / 1000)} s.`;
      const provenance = [...machineLines(started), took].join("\n");
      const gap = s.notes?.length ? "" : "\n"; // a list right below a table would read as its rows
      writeFileSync(file, putSection(readFileSync(file, "utf8"), s.title, `${renderSection(s)}${gap}${provenance}\n`));
      log(`wrote its section of bench/RESULTS.md`);
    }
    return s;
  });
}
