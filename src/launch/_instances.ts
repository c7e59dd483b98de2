/**
 * Instance files: how the CLI commands find the services running on this
 * machine. `serve` writes `<pid>.json` ({ service, command, serves, pid, url,
 * token, startedAt, pidStart, replaces }, mode 0600) into a 0700 directory and removes it when
 * it stops. A supervisor killed with SIGKILL leaves its file: readers check
 * the owner by pid AND start time (`_owner.ts`, a reused pid is another
 * process) and remove the files of dead owners as they find them.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ownerAlive } from "./_owner.ts";

export { pidAlive } from "./_owner.ts";

export interface Instance {
  readonly service: string;
  /** The bento-kit command that runs it (serve, start-runner-server, ...); absent in files of older versions. */
  readonly command?: string;
  /** The addresses it serves on (`tcp://127.0.0.1:3000`), so that services of one name are told apart. */
  readonly serves?: readonly string[];
  readonly pid: number;
  /** The admin server, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly token: string;
  /** Epoch ms. */
  readonly startedAt: number;
  /** The supervisor's start time from /proc/<pid>/stat (absent where /proc cannot be read). */
  readonly pidStart?: string;
  /** The supervisor this one is taking over from (`bento-kit upgrade`): while both run, this one is the service. */
  readonly replaces?: number;
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
  try {
    rmSync(path, { force: true });
  } catch { /* not ours to remove: it stays, and stays skipped */ }
}

/** The services running on this machine, oldest first; files of dead or replaced owners are removed. */
export function listInstances(dir: string): Instance[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const found: Instance[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const instance = readInstance(path);
    if (instance === undefined) continue;
    if (instanceAlive(instance)) found.push(instance);
    else removeInstance(path);
  }
  // An upgrade in progress: the old supervisor is draining, the new one is the service.
  const replaced = new Set(found.map((i) => i.replaces));
  return found.filter((i) => !replaced.has(i.pid)).sort((a, b) => a.startedAt - b.startedAt);
}

function readInstance(path: string): Instance | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<Instance>;
    const ok = typeof v.service === "string" && typeof v.pid === "number" && typeof v.url === "string" &&
      typeof v.token === "string" && typeof v.startedAt === "number" &&
      (v.pidStart === undefined || typeof v.pidStart === "string") &&
      (v.command === undefined || typeof v.command === "string") &&
      (v.serves === undefined || (Array.isArray(v.serves) && v.serves.every((a) => typeof a === "string"))) &&
      (v.replaces === undefined || typeof v.replaces === "number");
    return ok ? (v as Instance) : undefined;
  } catch {
    return undefined;
  }
}

/** The supervisor that wrote `instance` still runs (same pid, same start time where recorded). */
export function instanceAlive(instance: Pick<Instance, "pid" | "pidStart">): boolean {
  return ownerAlive({ pid: instance.pid, start: instance.pidStart });
}

/** One line that tells this service from others of the same name: `iris start-runner-server on tcp://...:3001 (pid 42, admin http://...)`. */
export function describeInstance(i: Instance): string {
  const what = [i.service, i.command, i.serves?.length ? `on ${i.serves.join(", ")}` : undefined];
  return `${what.filter((w) => w !== undefined).join(" ")} (pid ${i.pid}, admin ${i.url})`;
}
