/**
 * One scrape of a whole service instance, run by the API worker that got
 * `GET /metrics`. The instance's metrics directory (`BENTO_METRICS_DIR`)
 * holds `supervisor.sock` (the supervisor's registry) and one directory per
 * worker slot, `<pool>.<worker id>` (that worker's `PROMETHEUS_MULTIPROC_DIR`),
 * holding `metrics.sock` for a bento-kit/worker worker and prometheus_client's
 * `*.db` files for a Python one. Every socket is asked in parallel under one
 * deadline; a socket that does not answer (its worker just died, or is busy
 * past the deadline) is left out of this scrape, which still succeeds.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readMultiprocessDir } from "./_metrics-mmap.ts";
import { type ExpositionPart, mergeExpositions } from "./_metrics-text.ts";
import { unixGet } from "../unix-get.ts";

export const SUPERVISOR_SOCKET = "supervisor.sock";
export const WORKER_SOCKET = "metrics.sock";

/** `api_server.2` → pool and worker id labels; undefined for anything else. */
export function slotLabels(entry: string): { pool: string; worker_id: string } | undefined {
  const m = /^(.+)\.(\d+)$/.exec(entry);
  return m ? { pool: m[1]!, worker_id: m[2]! } : undefined;
}

export interface ScrapeSelf {
  /** This worker's slot directory name. */
  readonly slot: string;
  /** True while this worker's socket is the one in its slot (a rolling-restart replacement may have taken it). */
  owns(): boolean;
  text(): Promise<string>;
}

/** A scrape's deadline: 80% of Prometheus's scrape timeout when it sends one, else 2 s. */
export function scrapeTimeoutMs(headers: Headers): number {
  const budget = Number(headers.get("x-prometheus-scrape-timeout-seconds"));
  return budget > 0 ? budget * 800 : 2000;
}

/** Every process's metrics in `dir`, merged, within `timeoutMs`. */
export async function scrapeInstance(dir: string, self: ScrapeSelf | undefined, timeoutMs: number): Promise<string> {
  // Every socket is asked at once: each one's timeout is the scrape's deadline.
  const ask = (socketPath: string) => unixGet(socketPath, "/metrics", timeoutMs);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    entries = [];
  }
  const parts: Promise<ExpositionPart | undefined>[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (entry === SUPERVISOR_SOCKET) {
      parts.push(ask(path).then((text) => (text === undefined ? undefined : { text })));
      continue;
    }
    const labels = slotLabels(entry);
    if (!labels) continue;
    if (self?.slot === entry && self.owns()) {
      parts.push(self.text().then((text) => ({ text, labels })));
    } else if (exists(join(path, WORKER_SOCKET))) {
      parts.push(
        ask(join(path, WORKER_SOCKET)).then((
          text,
        ) => (text === undefined ? undefined : { text, labels })),
      );
    }
    const python = readMultiprocessDir(path);
    if (python !== "") parts.push(Promise.resolve({ text: python, labels }));
  }
  const got = await Promise.all(parts);
  return mergeExpositions(got.filter((p): p is ExpositionPart => p !== undefined));
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
