/**
 * `RuntimePort.watch`: a directory tree watched one directory at a time, so
 * that skipped directories (node_modules, .git, ...) cost nothing. A recursive
 * watch would not do: Node 20's walks every file of node_modules (15 000
 * inotify watches, 0.5 s and 100 MB for this repository's), and neither Bun's
 * nor Deno's can leave a directory out. Each runtime brings how it watches one
 * directory (`DirWatcher`): node:fs `watch` on Node and Bun, `Deno.watchFs` on
 * Deno. A directory created later is watched from then on, and the files it
 * already holds count as changed.
 */
import { type Dirent, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { FileWatch, WatchFailed, WatchOptions } from "../../core/ports.ts";

/** Watch one directory, not below it: `onEvent` gets the name of the entry that changed. */
export type DirWatcher = (dir: string, onEvent: (name: string) => void, onGone: () => void) => FileWatch;

export function watchTree(root: string, options: WatchOptions, watchDir: DirWatcher): Result<FileWatch, WatchFailed> {
  const watched = new Map<string, FileWatch>();
  let closed = false;

  /** Watch `rel` and the directories below it; returns the files found there. */
  function add(rel: string): string[] {
    if (closed || watched.has(rel) || (rel !== "" && options.skipDir(rel))) return [];
    const dir = rel === "" ? root : join(root, rel);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return []; // gone already
    }
    watched.set(rel, watchDir(dir, (name) => changed(rel, name), () => forget(rel)));
    const files: string[] = [];
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) files.push(...add(path));
      else files.push(path);
    }
    return files;
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
    const rel = dirRel === "" ? name : `${dirRel}/${name}`;
    let isDir = false;
    try {
      isDir = statSync(join(root, rel)).isDirectory();
    } catch {
      forget(rel); // removed: a file, or a directory with its watches
    }
    if (!isDir) return options.onChange([rel]);
    if (watched.has(rel) || options.skipDir(rel)) return;
    try {
      const files = add(rel);
      if (files.length > 0) options.onChange(files);
    } catch { /* out of watches: this directory goes unwatched */ }
  }

  try {
    add("");
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
