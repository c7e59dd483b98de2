// bench/RESULTS.md is rewritten by bench/run.sh while bench/peers.ts writes one section of it:
// replacing a section must leave the others (and the head) exactly as they were.
import { describe, expect, test } from "bun:test";
import { putSection, splitSections } from "../../bench/_lib/report.ts";

const DOC = "# results\n\nhead line\n\n## 1. Cold start\n\ntable 1\n\n## 2. Throughput\n\ntable 2\n";

describe("bench result sections", () => {
  test("splits at the ## headings, keeping the head", () => {
    const { head, sections } = splitSections(DOC);
    expect(head).toBe("# results\n\nhead line\n\n");
    expect(sections.map((s) => s.title)).toEqual(["1. Cold start", "2. Throughput"]);
    expect(head + sections.map((s) => s.text).join("")).toBe(DOC);
  });

  test("replaces a section in place and leaves the others alone", () => {
    const out = putSection(DOC, "1. Cold start", "## 1. Cold start\n\nnew table\n");
    expect(out).toBe("# results\n\nhead line\n\n## 1. Cold start\n\nnew table\n\n## 2. Throughput\n\ntable 2\n");
  });

  test("appends a section it does not find, once", () => {
    const once = putSection(DOC, "10. Peers", "## 10. Peers\n\npeers\n");
    expect(once).toBe(`${DOC}\n## 10. Peers\n\npeers\n`);
    expect(putSection(once, "10. Peers", "## 10. Peers\n\nagain\n")).toBe(`${DOC}\n## 10. Peers\n\nagain\n`);
  });
});
