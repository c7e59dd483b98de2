/**
 * Merging Prometheus text expositions (format 0.0.4) from several processes
 * into one: each source's samples get its own labels (`pool`, `worker_id`),
 * and each metric family appears once, with one HELP and one TYPE line and
 * all its samples together, as Prometheus and `promtool check metrics` want.
 */

export interface ExpositionPart {
  readonly text: string;
  /** Labels added to every sample of this part (e.g. `{ pool: "api_server", worker_id: "1" }`). */
  readonly labels?: Readonly<Record<string, string>>;
}

interface Family {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created", "_info"];

/** One exposition holding every part's families, merged by name. */
export function mergeExpositions(parts: readonly ExpositionPart[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, f = { name, samples: [] });
    return f;
  };
  for (const part of parts) {
    const extra = part.labels ? renderLabels(part.labels) : "";
    let current: Family | undefined;
    for (const line of part.text.split("\n")) {
      if (line === "") continue;
      if (line.startsWith("#")) {
        const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
        if (!m) continue;
        current = family(m[2]!);
        if (m[1] === "HELP") current.help ??= m[3] ?? "";
        else current.type ??= m[3];
        continue;
      }
      const name = NAME.exec(line)?.[0];
      if (!name) continue;
      const owner = current && belongsTo(name, current.name) ? current : family(name);
      owner.samples.push(extra === "" ? line : addLabels(line, name, extra));
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.samples.length === 0) continue;
    if (f.help !== undefined) out.push(`# HELP ${f.name} ${f.help}`);
    if (f.type !== undefined) out.push(`# TYPE ${f.name} ${f.type}`);
    out.push(...f.samples);
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

function belongsTo(sample: string, family: string): boolean {
  return sample === family || (sample.startsWith(family) && SUFFIXES.includes(sample.slice(family.length)));
}

/** `a="x",b="y"` with values escaped as the text format says. */
export function renderLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function addLabels(line: string, name: string, extra: string): string {
  const rest = line.slice(name.length);
  if (!rest.startsWith("{")) return `${name}{${extra}}${rest}`;
  return rest[1] === "}" ? `${name}{${extra}${rest.slice(1)}` : `${name}{${extra},${rest.slice(1)}`;
}

/** A sample value as Go (and prometheus_client) prints it: `+Inf`, `1.0`, `0.25`. */
export function goFloat(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : String(value);
}
