/** Helpers for the monitoring tests: scrape, read samples, run promtool, find a worker's metrics dir. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export async function scrape(port: number): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: "close" } });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample line of an exposition (label values without escapes, enough for these tests). */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `where`. */
export function sum(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** What `promtool check metrics` prints about an exposition (nothing when it is clean), and its exit code. */
export function promtool(text: string): { output: string; status: number | null } {
  const r = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { output: `${r.stdout}${r.stderr}`, status: r.status };
}

/** A variable of a running process's environment. */
export function envOf(pid: number, name: string): string | undefined {
  const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}
