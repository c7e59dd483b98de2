/** `RuntimePort.watch` through node:fs `watch`, one directory at a time (Node and Bun: inotify on Linux). */
import { watch } from "node:fs";
import type { Result } from "neverthrow";
import type { FileWatch, WatchFailed, WatchOptions } from "../../core/ports.ts";
import { type DirWatcher, watchTree } from "./_tree-watch.ts";

const watchDir: DirWatcher = (dir, onEvent, onGone) => {
  const watcher = watch(dir, { persistent: false }, (_type, name) => {
    if (name) onEvent(String(name));
  });
  watcher.on("error", () => {
    watcher.close();
    onGone();
  });
  return { close: () => watcher.close() };
};

export function nodeWatch(root: string, options: WatchOptions): Result<FileWatch, WatchFailed> {
  return watchTree(root, options, watchDir);
}
