/**
 * Node >= 22.12 holds a SO_REUSEPORT reservation (libuv's UV_TCP_REUSEPORT):
 * a plain bind of its port fails before and after the next spawn.
 * A Node older than 22.12 cannot hold one: it checks
 * the port is free and lets it go. Until the next spawn the check's socket
 * stays bound, so the next socket bound with port 0 (another pool's) cannot
 * get the same port: two pools on one port would take each other's requests
 * (a clean-clone CI run saw a Deno runner answer on the API port).
 */
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../_helpers/serve-process.ts";

test(
  "a reservation is held for the service (Node >= 22.12), or kept until the next spawn (older Node; Node adapter, under Node)",
  () => {
    const r = spawnSync("node", ["--import", "tsx", join(ROOT, "test/_fixtures/node-reservations.ts")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as { held: boolean; before: string; after: string };
    const uv = spawnSync("node", ["-p", "process.versions.uv"], { encoding: "utf8" }).stdout.trim();
    const [major = 0, minor = 0] = uv.split(".").map(Number);
    const holds = major > 1 || (major === 1 && minor >= 49);
    expect(result).toMatchObject(
      holds
        ? { held: true, before: "EADDRINUSE", after: "EADDRINUSE" }
        : { held: false, before: "EADDRINUSE", after: "free" },
    );
  },
  60_000,
);
