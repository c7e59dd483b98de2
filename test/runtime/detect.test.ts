import { expect, test } from "bun:test";
import { BUN_MODULE_FALLBACK } from "../../src/runtime/bun.ts";
import { createRuntime, detectRuntime } from "../../src/runtime/detect.ts";

// Node and Deno detection run in test/runtime/adapters.test.ts, under those runtimes.
test("under Bun, detectRuntime says bun and createRuntime gives the Bun adapter", async () => {
  expect(detectRuntime()).toBe("bun");
  const runtime = await createRuntime();
  expect(runtime.name).toBe("bun");
  expect(runtime.moduleArgv("svc.ts")).toEqual(["node", "--import", import.meta.resolve("tsx"), "svc.ts"]);
  expect(BUN_MODULE_FALLBACK).toContain("oven-sh/bun#22559");
});
