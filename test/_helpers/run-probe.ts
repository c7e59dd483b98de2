/**
 * Run a probe script (test/_helpers/runtime-*.ts) under Node, Bun or Deno and
 * return its result. Whatever happens, every process group the probe reported
 * is killed and its working directory removed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RuntimeName } from "../../src/core/ports.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules/.bin");

const COMMANDS: Record<RuntimeName, string[]> = {
  node: ["node", "--import", "tsx"],
  bun: [join(BIN, "bun")],
  deno: [join(BIN, "deno"), "run", "-A"],
};

export async function runProbe<T>(runtime: RuntimeName, script: string, timeoutMs = 40_000): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "bk-test-"));
  const started: number[] = [];
  try {
    const output = await new Promise<string>((done, fail) => {
      const [cmd = "", ...args] = COMMANDS[runtime];
      const probe = spawn(cmd, [...args, join(ROOT, "test/_helpers", script)], {
        cwd: ROOT,
        env: { ...process.env, BK_PROBE_DIR: dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const timer = setTimeout(() => probe.kill("SIGKILL"), timeoutMs);
      let out = "";
      let err = "";
      probe.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        for (const m of chunk.matchAll(/"started":(\d+)/g)) started.push(Number(m[1]));
      });
      probe.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
      probe.on("error", fail);
      probe.on("close", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) done(out);
        else fail(new Error(`${script} under ${runtime} ended with ${signal ?? code}:\n${out}\n${err}`));
      });
    });
    const last = output.trim().split("\n").at(-1) ?? "{}";
    return (JSON.parse(last) as { result: T }).result;
  } finally {
    for (const pid of started) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone: the probe cleaned up
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
