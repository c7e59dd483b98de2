// A machine with Deno (or Bun) and no Node: `serve examples/iris` under that
// runtime runs its workers on it, answers, stops cleanly and leaves nothing.
// PATH holds only the runtime, sh and coreutils (symlinks in a temp dir).
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable } from "../../src/runtime/shared/_which.ts";
import { cleanup, CLEANUP_MS, descendantsOf, post, ROOT, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const BIN = join(ROOT, "node_modules", ".bin");
/** What the supervisor's keeper and the LISTEN_PID shim use besides the runtime. */
const TOOLS = ["sh", "cat", "cut", "grep", "rm", "sleep", "ls", "env", "mkdir", "kill"];
const dirs: string[] = [];

afterEach(async () => {
  await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}, CLEANUP_MS);

function pathWithout(runtime: "bun" | "deno"): string {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-no-node-"));
  dirs.push(dir);
  symlinkSync(realpathSync(join(BIN, runtime)), join(dir, runtime));
  for (const tool of TOOLS) {
    const found = findExecutable(tool, "/", "/usr/bin:/bin");
    if (found) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

/** The supervisor's flags as `deno task serve` gives them (deno.json); the workers get their own, narrower ones. */
const DENO_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-run",
  "--allow-ffi",
  "--allow-sys=uid,gid,homedir",
];

for (const runtime of ["deno", "bun"] as const) {
  test(
    `${runtime} alone: serve examples/iris answers [2] from ${runtime} workers, stops cleanly, leaves nothing`,
    async () => {
      const path = pathWithout(runtime);
      const binary = join(path, runtime);
      const argv = runtime === "deno"
        ? [binary, "run", ...DENO_FLAGS, join(ROOT, "mod.ts")]
        : [binary, join(ROOT, "mod.ts")];
      expect(findExecutable("node", "/", path)).toBeUndefined();
      const s = await serve(runtime, "examples/iris", [], { PATH: path }, argv);
      const answer = await post(s.port, "/classify", "[[6.7, 3.0, 5.2, 2.3]]");
      expect(answer).toMatchObject({ status: 200, body: "[2]" });
      const own = realpathSync(binary);
      const workers = descendantsOf(s.pid);
      expect(workers.length).toBeGreaterThanOrEqual(4); // 2 API, 2 runner workers (and the keeper's sh)
      expect(readlinkSync(`/proc/${answer.pid}/exe`)).toBe(own);
      const runtimes = workers.map((pid) => readlinkSync(`/proc/${pid}/exe`)).filter((exe) => exe === own);
      expect(runtimes.length).toBe(4);
      expect(await s.stop("SIGTERM")).toBe(0);
      expect(s.output()).toContain("Stopped: every worker is gone and the sockets are closed");
      expect(await s.leftovers()).toEqual([]);
    },
    60_000,
  );
}
