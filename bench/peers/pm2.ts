/**
 * pm2 in cluster mode: `pm2 start worker.mjs -i 2` (the workers listen on
 * PORT, shared through Node's cluster primary, which is pm2's God daemon).
 * pm2 is installed at bench time into bench/.peers/pm2 (gitignored), not as a
 * project dependency. Each start has its own PM2_HOME in a temp dir, so each
 * cold start includes the daemon's; each stop is `pm2 kill`, then SIGKILL by
 * pid for the daemon and its workers if they are still there.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, log, running, sleep, startProc } from "../_lib/mod.ts";
import { type Peer, tempDir, WORKER, WORKERS, workersBelow } from "./peer.ts";

export const PM2_VERSION = "7.0.4";
const PREFIX = join(BENCH, ".peers/pm2");
const PM2 = join(PREFIX, "node_modules/pm2/bin/pm2");

const installed = (): string | undefined => {
  try {
    return (JSON.parse(readFileSync(join(PREFIX, "node_modules/pm2/package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return undefined;
  }
};

/** Installs pm2@PM2_VERSION into bench/.peers/pm2 unless it is there; its version, or why it is not. */
export function pm2Available(): { ok: true; versions: string } | { ok: false; why: string } {
  if (installed() !== PM2_VERSION) {
    log(`pm2: npm install --prefix bench/.peers/pm2 pm2@${PM2_VERSION}`);
    try {
      execFileSync("npm", [
        "install",
        "--prefix",
        PREFIX,
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `pm2@${PM2_VERSION}`,
      ], { stdio: "inherit", timeout: 300_000 });
    } catch (e) {
      return { ok: false, why: `npm install of pm2@${PM2_VERSION} failed: ${(e as Error).message.split("\n")[0]}` };
    }
  }
  return installed() === PM2_VERSION
    ? { ok: true, versions: `pm2 ${PM2_VERSION}` }
    : { ok: false, why: `pm2@${PM2_VERSION} is not in ${PREFIX}` };
}

/** Runs the pm2 CLI to its end (bounded); never rejects. */
const pm2 = (home: string, args: readonly string[]): Promise<void> =>
  new Promise((res) =>
    execFile(
      process.execPath,
      [PM2, ...args],
      { env: { ...process.env, PM2_HOME: home }, timeout: 30_000 },
      () => res(),
    )
  );

export const pm2Cluster: Peer = {
  name: "pm2",
  label: `pm2 ${PM2_VERSION}, cluster mode (\`-i 2\`)`,
  workers: WORKERS,
  counted: "pm2's God daemon",
  start(port) {
    const home = tempDir("bento-bench-pm2-");
    const cli = startProc("pm2", [process.execPath, PM2, "start", WORKER, "-i", String(WORKERS), "--name", "peers"], {
      env: { PM2_HOME: home.path, PORT: String(port) },
    });
    let failed: number | undefined;
    void cli.exited.then(({ code }) => (failed = code === 0 ? undefined : cli.exitedAt));
    const daemon = (): number | undefined => {
      const file = join(home.path, "pm2.pid");
      const pid = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : NaN;
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    };
    return {
      watched: {
        name: "pm2",
        lines: cli.lines,
        get exitedAt() {
          return failed;
        },
      },
      t0: cli.t0,
      supervisorPid: daemon,
      workers: () => workersBelow(daemon()),
      stop: async () => {
        const god = daemon();
        const pids = [...(god === undefined ? [] : [god]), ...workersBelow(god)];
        // The CLI ends by itself once the apps are started (stop() would take the daemon, still its child then, for its leftovers).
        await Promise.race([cli.exited, sleep(20_000)]);
        if (cli.exitedAt === undefined) {
          console.error(`pm2 CLI pid ${cli.pid} still running after 20 s: SIGKILL`);
          try {
            process.kill(cli.pid, "SIGKILL");
          } catch { /* gone */ }
        }
        await pm2(home.path, ["kill"]);
        for (let i = 0; i < 50 && pids.some(running); i++) await sleep(100);
        for (const pid of pids.filter(running)) {
          console.error(`pm2: pid ${pid} still there after pm2 kill: SIGKILL`);
          try {
            process.kill(pid, "SIGKILL");
          } catch { /* gone */ }
        }
        home.remove();
      },
    };
  },
};
