/**
 * `RuntimePort.watch`: a directory tree watched one directory at a time, so
 * that skipped directories (node_modules, .git, ...) cost nothing. A recursive
 * watch would not do: Node 20's walks every file of node_modules (15 000
 * inotify watches, 0.5 s and 100 MB for this repository's), and neither Bun's
 * nor Deno's can leave a directory out. Each runtime brings how it watches one
 * directory (`DirWatcher`): node:fs `watch` on Node and Bun, `Deno.watchFs` on
 * Deno. A directory created later is watched from then on, and the files it
 * already holds count as changed.
 *
 * Symbolic links are never followed, neither those present at start nor those
 * created later (`ln -s / service/rootlink` would otherwise watch the whole
 * file system): a link is a file whose change is reported. A directory that
 * appears later (a `mv` of a large tree, a `git checkout`) is walked
 * asynchronously, one `readdir` at a time, and its files are reported in
 * slices, so the walk never holds up the event loop (signals, the admin API).
 */
import { type Dirent, readdirSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { FileWatch, WatchFailed, WatchOptions } from "../../core/ports.ts";

/** Watch one directory, not below it: `onEvent` gets the name of the entry that changed. */
export type DirWatcher = (dir: string, onEvent: (name: string) => void, onGone: () => void) => FileWatch;

/** Files reported to `onChange` at a time by a walk after start (a tick of the event loop between slices). */
export const REPORT_SLICE = 1_000;

export function watchTree(root: string, options: WatchOptions, watchDir: DirWatcher): Result<FileWatch, WatchFailed> {
  const watched = new Map<string, FileWatch>();
  let closed = false;

  const pathOf = (rel: string) => rel === "" ? root : join(root, rel);
  const child = (rel: string, name: string) => rel === "" ? name : `${rel}/${name}`;
  const wanted = (rel: string) => !closed && !watched.has(rel) && (rel === "" || !options.skipDir(rel));
  const watchOne = (rel: string) =>
    watched.set(rel, watchDir(pathOf(rel), (name) => changed(rel, name), () => forget(rel)));

  /** At start (synchronous, so that a failure is the result): watch `rel` and the directories below it. */
  function addNow(rel: string): void {
    if (!wanted(rel)) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(pathOf(rel), { withFileTypes: true });
    } catch {
      return; // gone already
    }
    watchOne(rel);
    // A Dirent of a symbolic link is not a directory: links are not followed.
    for (const e of entries) if (e.isDirectory()) addNow(child(rel, e.name));
  }

  /** After start: watch `top` and what is below it, one readdir per tick; report the files found in slices. */
  async function addLater(top: string): Promise<void> {
    const queue = [top];
    const found: string[] = [];
    const report = async (all: boolean) => {
      while (!closed && (found.length >= REPORT_SLICE || (all && found.length > 0))) {
        options.onChange(found.splice(0, REPORT_SLICE));
        await new Promise((r) => setTimeout(r, 0));
      }
    };
    for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
      if (!wanted(rel)) continue;
      try {
        watchOne(rel); // before reading it: a file made meanwhile is an event, or in the listing
      } catch {
        continue; // gone already, or out of watches: this directory goes unwatched
      }
      let entries: Dirent[];
      try {
        entries = await readdir(pathOf(rel), { withFileTypes: true });
      } catch {
        forget(rel); // gone already
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory()) queue.push(child(rel, e.name));
        else found.push(child(rel, e.name));
      }
      await report(false);
    }
    await report(true);
  }

  function forget(rel: string): void {
    for (const [dir, watch] of watched) {
      if (dir === rel || (rel !== "" && dir.startsWith(`${rel}/`))) {
        watch.close();
        watched.delete(dir);
      }
    }
  }

  function changed(dirRel: string, name: string): void {
    if (closed) return;
    const rel = child(dirRel, name);
    // lstat: a symbolic link to a directory is a file here, never walked.
    void lstat(pathOf(rel)).then(
      (stat) => {
        if (!stat.isDirectory()) return options.onChange([rel]);
        if (wanted(rel)) return addLater(rel);
      },
      () => {
        if (closed) return;
        forget(rel); // removed: a file, or a directory with its watches
        options.onChange([rel]);
      },
    ).catch(() => {/* the walk failed: what it found so far is watched */});
  }

  try {
    addNow("");
  } catch (cause) {
    for (const watch of watched.values()) watch.close();
    const code = (cause as { code?: string }).code;
    const hint = code === "ENOSPC" ? ": the inotify watch limit is reached (raise fs.inotify.max_user_watches)" : "";
    return err({ kind: "WatchFailed", message: `Cannot watch ${root} for changes (${code ?? String(cause)})${hint}` });
  }
  return ok({
    close() {
      closed = true;
      for (const watch of watched.values()) watch.close();
      watched.clear();
    },
  });
}
