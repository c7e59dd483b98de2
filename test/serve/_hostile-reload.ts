/**
 * For the hostile `--reload` tests (issue 19): a service of `sleep` pools in a
 * temp dir (nothing to compile, so a roll takes a moment), its admin server
 * found through the state dir, /healthz latencies, and the inotify watches a
 * process holds (read from /proc/<pid>/fdinfo).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Instance } from "../../src/launch/_instances.ts";
import { removeCopies } from "./_reload-service.ts";

const made: string[] = [];

export const SLEEP_MANIFEST = {
  name: "sleepers",
  api: { command: ["sleep", "100000"], workers: 1, ready: { after: 0 } },
  runners: { r: { command: ["sleep", "100001"], workers: 1, ready: { after: 0 } } },
};

/** A temp dir holding `files` (name → text); bento.config.json is the sleep manifest unless given. */
export function sleepService(files: Record<string, string> = {}): string {
  const dir = tempDir("bk-hostile-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  if (!Object.keys(files).some((f) => f.startsWith("bento.config."))) {
    writeFileSync(join(dir, "bento.config.json"), JSON.stringify(SLEEP_MANIFEST));
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  // Made by this module, removed like the reload copies (rm -rf; a link inside is removed, not followed).
  for (const dir of made.splice(0)) Bun.spawnSync(["rm", "-rf", dir]);
  removeCopies();
}

export function instanceOf(stateDir: string, pid: number): Instance {
  return JSON.parse(readFileSync(join(stateDir, `${pid}.json`), "utf8")) as Instance;
}

/** `n` GET /healthz one after the other; each one's time in ms (a request that fails or times out counts `timeoutMs`). */
export async function healthLatencies(url: string, n: number, timeoutMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })
      .then((r) => r.text().then(() => r.ok))
      .catch(() => false);
    times.push(ok ? performance.now() - t0 : timeoutMs);
  }
  return times;
}

/** The inotify watches process `pid` holds (every inotify descriptor's `inotify wd:` lines). */
export function inotifyWatches(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8").split("\n").filter((l) => l.startsWith("inotify wd:"))
        .length;
    } catch { /* closed meanwhile */ }
  }
  return count;
}

/** Resident memory of `pid` in kB. */
export function rssKb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

/** A tree of `dirs` directories holding `filesPerDir` small files each, under a new temp dir; returns the tree's path. */
export function fileTree(dirs: number, filesPerDir: number): string {
  const tree = join(tempDir("bk-tree-"), "tree");
  for (let d = 0; d < dirs; d++) {
    const dir = join(tree, `d${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < filesPerDir; f++) writeFileSync(join(dir, `file-with-a-longish-name-${f}.txt`), "x");
  }
  return tree;
}
