import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNode, nativeTypeScriptHook } from "../../src/runtime/shared/_node-binary.ts";
import { expect, test } from "bun:test";
import { createRuntime, detectRuntime } from "../../src/runtime/detect.ts";

// Node and Deno detection run in test/runtime/adapters.test.ts, under those runtimes.
test("findNode skips a node on PATH that is the running runtime itself (bunx --bun)", () => {
  const dir = mkdtempSync(join(tmpdir(), "bento-kit-node-"));
  try {
    symlinkSync(process.execPath, join(dir, "node"));
    const found = findNode(`${dir}:${process.env.PATH}`, process.execPath);
    expect(found).not.toBe(join(dir, "node"));
    expect(found).toMatch(/\/node$/);
    expect(findNode(dir, process.execPath)).toBe("node");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("under Bun, detectRuntime says bun and createRuntime gives the Bun adapter", async () => {
  expect(detectRuntime()).toBe("bun");
  const runtime = await createRuntime();
  expect(runtime.name).toBe("bun");
  // The `node` on PATH (Node 22.18 or later here) strips types: a TypeScript worker goes through the preload that
  // falls back to tsx (src/runtime/node/native-typescript.ts).
  expect(runtime.moduleArgv("svc.ts", { runtime: "node", denoFlags: [] })).toEqual([
    findNode(),
    "--import",
    nativeTypeScriptHook(),
    "svc.ts",
  ]);
  expect(runtime.moduleArgv("svc.ts", { runtime: "bun", denoFlags: [] })).toEqual([process.execPath, "svc.ts"]);
  expect(runtime.moduleArgv("svc.ts", { runtime: "deno", denoFlags: ["--no-prompt"] })[2]).toBe("--no-prompt");
});
