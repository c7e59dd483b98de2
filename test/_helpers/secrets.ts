/** Where a secret shows: any process's argv on the machine, or the environment of a service's processes. */
import { readdirSync, readFileSync } from "node:fs";
import type { Served } from "./serve-process.ts";

/** Every process on the machine whose argv holds `secret`, and the service's processes whose environment does. */
export function leaks(s: Served, secret: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (argv.includes(secret)) found.push(`argv of ${pid}: ${argv.replaceAll("\0", " ")}`);
    } catch { /* gone */ }
  }
  for (const pid of s.descendants()) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "utf8").includes(secret)) {
        found.push(`environment of ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")}`);
      }
    } catch { /* gone */ }
  }
  return found;
}
