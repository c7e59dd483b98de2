/**
 * Node >= 22.12 holds a SO_REUSEPORT reservation (libuv's UV_TCP_REUSEPORT):
 * a plain bind of its port fails before and after the next spawn.
 * A Node older than 22.12 cannot hold one: it checks
 * the port is free and lets it go. Until the next spawn the check's socket
 * stays bound, so the next socket bound with port 0 (another pool's) cannot
 * get the same port: two pools on one port would take each other's requests
 * (a clean-clone CI run saw a Deno runner answer on the API port).
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

test(
  "a Node reservation: held, it keeps plain binds out and lets SO_REUSEPORT workers join; not held (no perl, Node < 22.12), it keeps its port taken until the next spawn",
  () => {
    const r = spawnSync("node", ["--import", "tsx", join(ROOT, "test/_fixtures/node-reservations.ts")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as { held: boolean; before: string; after: string; joined: string };
    // Held (perl on PATH sets SO_REUSEPORT after the bind, or Node >= 22.12): plain binds stay out, workers join.
    if (result.held) expect(result).toMatchObject({ before: "EADDRINUSE", after: "EADDRINUSE", joined: "accepted" });
    else expect(result).toMatchObject({ before: "EADDRINUSE", after: "free" });
  },
  60_000,
);
