import { expect, test } from "bun:test";
import { assertNode, foreignRuntime } from "../../src/worker/_runtime.ts";
import { serve } from "../../src/worker/mod.ts";

test("serve refuses to run on Bun, citing the issue and the way out", async () => {
  const env = { LISTEN_PID: String(process.pid), LISTEN_FDS: "1" };
  Object.assign(process.env, env);
  try {
    const attempt = serve(() => new Response("ok"));
    await expect(attempt).rejects.toThrow(/cannot listen on an inherited socket under Bun/);
    await expect(attempt).rejects.toThrow(/oven-sh\/bun#22559/);
    await expect(attempt).rejects.toThrow(/bento-kit `module` command .*SO_REUSEPORT/);
    await expect(attempt).rejects.toMatchObject({ kind: "RuntimeUnsupported" });
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
});

test("the Deno message cites denoland/deno#14006", () => {
  expect(foreignRuntime({ Deno: {} })).toBe("Deno");
  expect(() => assertNode({ Deno: {} })).toThrow(/under Deno: .*denoland\/deno#14006/);
  expect(foreignRuntime({})).toBeUndefined();
  expect(() => assertNode({})).not.toThrow();
});
