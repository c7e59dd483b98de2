/**
 * Which runtime runs bento-kit, and its adapter. Adapters are imported
 * dynamically so that Node never loads bun:ffi and Bun never loads Deno code.
 */
import type { RuntimeName, RuntimePort } from "../core/ports.ts";

export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

export async function createRuntime(name: RuntimeName = detectRuntime()): Promise<RuntimePort> {
  if (name === "bun") return (await import("./bun/mod.ts")).createBunRuntime();
  if (name === "deno") return (await import("./deno/mod.ts")).createDenoRuntime();
  return (await import("./node/mod.ts")).createNodeRuntime();
}
