/**
 * Reads the files Python's `prometheus_client` writes in multiprocess mode
 * (`PROMETHEUS_MULTIPROC_DIR`) and renders them as one exposition, merged the
 * way its `MultiProcessCollector` merges them: counters, summaries and
 * histograms summed over every pid (a dead process's counts stay), gauges
 * by their mode (`livesum`/`sum` added, `min`/`max`, `all`/`liveall` with a
 * `pid` label), histogram buckets made cumulative with a `_count`.
 *
 * File format (prometheus_client/mmap_dict.py): a little-endian int32 "bytes
 * used", 4 bytes of padding, then entries: int32 key length, the UTF-8 JSON
 * key `[metric, sample, {labels}, help]` padded to 8-byte alignment, a float64.
 * File names: `counter_<pid>.db`, `histogram_<pid>.db`, `gauge_<mode>_<pid>.db`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHelp, goFloat, renderLabels } from "./_metrics-text.ts";

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  mode?: string;
  /** sample name + labels key → [sample name, labels, value] */
  readonly samples: Map<string, [string, Record<string, string>, number]>;
  /** histogram: labels key (without le) → labels, le → value */
  readonly buckets: Map<string, { labels: Record<string, string>; byLe: Map<number, number> }>;
}

/** Every `(key, value)` entry of one `.db` file. */
export function readDbFile(bytes: Uint8Array): [string, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const used = Math.min(view.getInt32(0, true), bytes.byteLength);
  const out: [string, number][] = [];
  const decoder = new TextDecoder();
  let pos = 8;
  while (pos + 4 <= used) {
    const length = view.getInt32(pos, true);
    if (length <= 0 || pos + 4 + length > used) break;
    const key = decoder.decode(bytes.subarray(pos + 4, pos + 4 + length));
    pos += 4 + length + (8 - ((length + 4) % 8));
    if (pos + 8 > used) break;
    out.push([key, view.getFloat64(pos, true)]);
    pos += 8;
  }
  return out;
}

/** The exposition of every `.db` file in `dir` ("" when there is none). */
export function readMultiprocessDir(dir: string): string {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".db")).sort();
  } catch {
    return "";
  }
  const metrics = new Map<string, Metric>();
  for (const file of files) {
    const parts = file.slice(0, -3).split("_");
    const type = parts[0]!;
    let entries: [string, number][];
    try {
      entries = readDbFile(readFileSync(join(dir, file)));
    } catch {
      continue; // a live gauge file removed after its process died
    }
    for (const [key, value] of entries) {
      let parsed: [string, string, Record<string, string>, string?];
      try {
        parsed = JSON.parse(key);
      } catch {
        continue;
      }
      const [metricName, sampleName, labels, help = ""] = parsed;
      let metric = metrics.get(metricName);
      if (!metric) {
        metrics.set(metricName, metric = { name: metricName, help, type, samples: new Map(), buckets: new Map() });
      }
      if (type === "gauge") metric.mode = parts[1];
      add(metric, sampleName, labels, value, type === "gauge" ? parts.slice(2).join("_") : undefined);
    }
  }
  return [...metrics.values()].map(render).join("");
}

function add(metric: Metric, name: string, labels: Record<string, string>, value: number, pid?: string): void {
  const key = (l: Record<string, string>) => `${name}${JSON.stringify(Object.entries(l).sort())}`;
  if (metric.type === "histogram" && labels.le !== undefined) {
    const { le, ...rest } = labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    let b = metric.buckets.get(k);
    if (!b) metric.buckets.set(k, b = { labels: rest, byLe: new Map() });
    const bound = le === "+Inf" ? Infinity : Number(le);
    b.byLe.set(bound, (b.byLe.get(bound) ?? 0) + value);
    return;
  }
  const mode = metric.mode ?? "";
  if (metric.type === "gauge" && (mode === "all" || mode === "liveall")) {
    const withPid = { ...labels, pid: pid ?? "" };
    metric.samples.set(key(withPid), [name, withPid, value]);
    return;
  }
  const k = key(labels);
  const current = metric.samples.get(k);
  if (!current) {
    metric.samples.set(k, [name, labels, value]);
    return;
  }
  if (mode === "min" || mode === "livemin") current[2] = Math.min(current[2], value);
  else if (mode === "max" || mode === "livemax") current[2] = Math.max(current[2], value);
  else current[2] += value;
}

function render(metric: Metric): string {
  // As prometheus_client's text format names it: a counter's family is `<name>_total`.
  const family = metric.type === "counter" && !metric.name.endsWith("_total") ? `${metric.name}_total` : metric.name;
  const lines = [`# HELP ${family} ${escapeHelp(metric.help)}`, `# TYPE ${family} ${metric.type}`];
  const sample = (name: string, labels: Record<string, string>, value: number) => {
    const l = renderLabels(labels);
    lines.push(`${name}${l === "" ? "" : `{${l}}`} ${goFloat(value)}`);
  };
  for (const { labels, byLe } of metric.buckets.values()) {
    let total = 0;
    for (const le of [...byLe.keys()].sort((a, b) => a - b)) {
      total += byLe.get(le)!;
      sample(`${metric.name}_bucket`, { ...labels, le: goFloat(le) }, total);
    }
    sample(`${metric.name}_count`, labels, total);
  }
  for (const [name, labels, value] of metric.samples.values()) sample(name, labels, value);
  return lines.length > 2 ? `${lines.join("\n")}\n` : "";
}
