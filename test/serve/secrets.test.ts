/**
 * Secrets stay out of workers and out of the admin API (issue 19 items 5 and
 * 6), on every runtime: a real `serve` of test/_fixtures/secrets-service
 * (sleep pools whose argv and env hold a secret of every kind in the table,
 * each worker starting a child of its own), read through /proc and through
 * GET /v1/service.
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leaks } from "../_helpers/secrets.ts";
import { cleanup, CLEANUP_MS, RUNTIMES, serve, type Served, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const SERVICE = "test/_fixtures/secrets-service";
const dirs: string[] = [];

afterEach(async () => {
  try {
    await cleanup();
  } finally {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}, CLEANUP_MS);

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bk-secrets-"));
  dirs.push(dir);
  return dir;
}

/** The instance file the service wrote (its admin URL and token). */
function instanceOf(dir: string, s: Served): { url: string; token: string } {
  return JSON.parse(readFileSync(join(dir, `${s.pid}.json`), "utf8"));
}

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/** The workers (BENTO_POOL in their environment) and what they started, once all six run. */
async function workerTree(s: Served): Promise<number[]> {
  // 3 workers (1 API, 2 runners), each with its own child: both carry the pool in their environment.
  const deadline = Date.now() + 20_000;
  let found: number[] = [];
  while (Date.now() < deadline) {
    found = s.descendants().filter((pid) => environOf(pid).some((e) => e.startsWith("BENTO_POOL=")));
    if (found.length >= 6) break;
    await Bun.sleep(50);
  }
  return found;
}

for (const runtime of RUNTIMES) {
  test(`issue 19 item 5: no worker environment holds the admin token, set or generated (${runtime})`, async () => {
    const chosen = "item5-admin-token-0123456789abcdef";
    const envs: Record<string, string>[] = [{ BENTO_ADMIN_TOKEN: chosen }, {}];
    for (const env of envs) {
      const dir = stateDir();
      const s = await serve(runtime, SERVICE, [], { ...env, BENTO_STATE_DIR: dir });
      expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
      const token = instanceOf(dir, s).token;
      expect(token).toBe(env.BENTO_ADMIN_TOKEN ?? token);
      const tree = await workerTree(s);
      expect(tree.length).toBeGreaterThanOrEqual(6);
      for (const pid of tree) expect(environOf(pid).some((e) => e.includes(token))).toBe(false);
      // Nor any other process below the supervisor (keeper, helpers), nor any argv on the machine.
      expect(leaks(s, token)).toEqual([]);
      expect(await s.stop()).toBe(0);
    }
  }, 120_000);

  test(`issue 19 item 6: GET /v1/service holds no secret from the table (${runtime})`, async () => {
    const dir = stateDir();
    const supervisorSecret = "supervisor-env-secret-value";
    const s = await serve(runtime, SERVICE, [], {
      BENTO_STATE_DIR: dir,
      SUPERVISOR_ONLY_VAR: supervisorSecret,
      MY_DB_PASSWORD: "supervisor-password-secret",
    });
    expect(await s.waitForOutput(/Admin API and dashboard on/)).toBeDefined();
    const { url, token } = instanceOf(dir, s);
    const res = await fetch(`${url}/v1/service`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const secrets = [
      "argv-two-form-secret",
      "argv-eq-form-secret",
      "argv-token-secret",
      "argv-apikey-secret",
      "argv-assign-secret",
      "argv-url-secret",
      "argvbearersecret",
      "Zq8vN3kP0xR7tW2yB5mJ9cL4hD6fG1sA",
      "argvpemsecret",
      "argv-auth-secret",
      "env-passwd-secret",
      "env-credentials-secret",
      "env-apikey-secret",
      "envpemsecret",
      "env-url-secret",
      "envbearersecret",
      "env-auth-secret",
      "service-default-secret",
      supervisorSecret,
      "supervisor-password-secret",
      token,
    ];
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    // What it does show: the flags, and the names of the variables set for each pool, not the supervisor's.
    const body = JSON.parse(text);
    const api = body.pools.find((p: { name: string }) => p.name === "api_server");
    expect(api.command.argv).toContain("--db-password");
    expect(api.command.argv).toContain("postgres://***@db.internal/app");
    expect(api.env).toEqual(expect.arrayContaining(["DB_PASSWD", "CREDENTIALS", "DATABASE_URL", "BENTO_POOL"]));
    expect(text).not.toContain("SUPERVISOR_ONLY_VAR");
    expect(text).not.toContain('"PATH"');
    expect(readdirSync(dir)).toEqual([`${s.pid}.json`]);
  }, 90_000);
}
