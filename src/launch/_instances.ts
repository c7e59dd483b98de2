/**
 * Instance files: how the CLI commands find the services running on this
 * machine. `serve` writes `<pid>.json` ({ service, pid, url, token,
 * startedAt }, mode 0600) into a 0700 directory and removes it when it stops;
 * readers skip files whose pid is no longer alive (a service that was killed).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface Instance {
  readonly service: string;
  readonly pid: number;
  /** The admin server, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly token: string;
  /** Epoch ms. */
  readonly startedAt: number;
}

/** $BENTO_STATE_DIR, else $XDG_RUNTIME_DIR/bento-kit, else ~/.bento-kit/run. */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.BENTO_STATE_DIR) return env.BENTO_STATE_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "bento-kit");
  return join(homedir(), ".bento-kit", "run");
}

/** Write the instance file (atomically, readable by its owner only); returns its path. */
export function writeInstance(dir: string, instance: Instance): string {
  // Directories it creates are 0700; one that exists keeps its mode (the file itself is 0600).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${instance.pid}.json`);
  const temp = `${path}.${Date.now()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(instance)}\n`, { mode: 0o600, flag: "wx" });
  renameSync(temp, path);
  return path;
}

export function removeInstance(path: string): void {
  rmSync(path, { force: true });
}

/** The services running on this machine, oldest first. */
export function listInstances(dir: string): Instance[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const found: Instance[] = [];
  for (const name of names) {
    const instance = readInstance(join(dir, name));
    if (instance && pidAlive(instance.pid)) found.push(instance);
  }
  return found.sort((a, b) => a.startedAt - b.startedAt);
}

function readInstance(path: string): Instance | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<Instance>;
    const ok = typeof v.service === "string" && typeof v.pid === "number" && typeof v.url === "string" &&
      typeof v.token === "string" && typeof v.startedAt === "number";
    return ok ? (v as Instance) : undefined;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
