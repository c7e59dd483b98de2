/**
 * Start the fake service (test/admin/_fixtures/fake-service.ts) as a real
 * process on node, bun or deno with its own state dir, and run the real CLI
 * against it. Everything started here is killed by pid in `cleanupServices()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, type Runtime, supervisorArgv } from "../_helpers/serve-process.ts";
import type { Instance } from "../../src/launch/_instances.ts";

const FIXTURE = join(ROOT, "test", "admin", "_fixtures", "fake-service.ts");
const BIN = join(ROOT, "node_modules", ".bin");
const children: ChildProcess[] = [];
const dirs: string[] = [];

export interface FakeService extends Instance {
  readonly child: ChildProcess;
  readonly stateDir: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

export function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-admin-"));
  dirs.push(dir);
  return dir;
}

function runtimeArgv(runtime: Runtime, file: string): string[] {
  if (runtime === "node") {
    return [process.execPath.endsWith("node") ? process.execPath : "node", "--import", "tsx", file];
  }
  if (runtime === "bun") return [join(BIN, "bun"), file];
  return [join(BIN, "deno"), "run", "-A", file];
}

export async function startFakeService(
  runtime: Runtime,
  env: Record<string, string> = {},
  stateDir = newStateDir(),
): Promise<FakeService> {
  const [cmd, ...args] = runtimeArgv(runtime, FIXTURE);
  const child = spawn(cmd!, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", BENTO_STATE_DIR: stateDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const file = readdirSync(stateDir).find((n) => n === `${child.pid}.json`);
    if (file && out.includes("Admin API")) {
      const instance = JSON.parse(readFileSync(join(stateDir, file), "utf8")) as Instance;
      return { ...instance, child, stateDir, exited, output: () => out };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the fake service did not start on ${runtime}:\n${out}`);
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Start `bento-kit ARGS` (on Node, as users do with npx); `done` resolves when it ends. */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): { stdout(): string; done: Promise<CliRun> } {
  const [cmd, ...pre] = supervisorArgv("node");
  const child = spawn(cmd!, [...pre, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<CliRun>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    })
  );
  return { stdout: () => stdout, done };
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CliRun> {
  return startCli(args, env, timeoutMs).done;
}

/** Wait for a condition, up to a deadline. */
export async function waitFor(condition: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

export function cleanupServices(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
