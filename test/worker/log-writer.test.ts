/**
 * The worker's own line writer (BENTO_LOG_FD, docs/logs.md) on Node, Bun and
 * Deno: lines wait briefly to share a write, yet a lone line goes out without
 * more lines behind it; a burst arrives whole and in order, formatted as the
 * supervisor formats a worker's line; what is queued at exit is not lost.
 */
import { expect, test } from "bun:test";
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../_helpers/run-probe.ts";
import { RUNTIMES } from "../_helpers/serve-process.ts";

const BIN = join(ROOT, "node_modules/.bin");
const COMMANDS = {
  node: ["node", "--import", "tsx"],
  bun: [join(BIN, "bun")],
  deno: [join(BIN, "deno"), "run", "-A"],
} as const;
const BURST = 3000;
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \[api_server:7\] (.*)$/;

for (const runtime of RUNTIMES) {
  test(
    `${runtime}: a lone line goes out alone; ${BURST} lines in one go arrive whole and in order, before the exit`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "bk-log-"));
      const go = join(dir, "go");
      try {
        const [cmd, ...args] = COMMANDS[runtime];
        const child = spawn(cmd, [...args, join(ROOT, "test/worker/_log-writer.ts")], {
          cwd: ROOT,
          env: {
            ...process.env,
            BENTO_LOG_FD: "3",
            BENTO_LOG_POOL: "api_server",
            BENTO_LOG_FORMAT: "text",
            BENTO_WORKER_ID: "7",
            BURST: String(BURST),
            GO_FILE: go,
          },
          stdio: ["ignore", "pipe", "pipe", "pipe"],
        });
        let text = "";
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        (child.stdio[3] as Readable).setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
          // The writer is waiting for the go file: the lone line came out with nothing behind it.
          if (text.includes("lone line\n")) writeFileSync(go, "");
        });
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
        const lines = text.trimEnd().split("\n").map((l) => l.match(LINE)?.[1]);
        expect(lines[0]).toBe("lone line");
        const burst = lines.slice(1);
        expect(burst).toHaveLength(BURST);
        const firstWrong = burst.findIndex((l, i) => l !== `burst line ${i} ${"x".repeat(i % 300)}`);
        expect({ firstWrong, line: burst[firstWrong] }).toEqual({ firstWrong: -1, line: undefined });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
}
