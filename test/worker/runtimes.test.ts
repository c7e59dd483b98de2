// One worker suite, run with the workers on each runtime (the supervisor on
// Node, the pool's `runtime` set): bento-kit/worker's serve(), getWorkerId(),
// the runner client, readiness, metrics, respawn and the graceful stop behave
// the same on Node (inherited fds), Bun and Deno (a reserved port shared with
// SO_REUSEPORT).
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { makeCerts } from "../_helpers/certs.ts";
import { alive, cleanup, CLEANUP_MS, serve, type Served, serviceTestMs, sleep } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const SERVICE = "test/_fixtures/runtimes-service";
const SLOW = 60_000;

afterEach(cleanup, CLEANUP_MS);

function exeOf(pid: number | string): string {
  return readlinkSync(`/proc/${pid}/exe`);
}

function get(s: Served, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${s.port}${path}`, { ...init, headers: { connection: "close" } });
}

async function ids(s: Served, wanted: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < 200 && seen.size < wanted; i++) {
    const response = await get(s, "/id");
    const text = await response.text();
    const body = JSON.parse(text) as { id?: number; pid?: number };
    // Anything else answering the API port (a runner, an error) is named in the failure.
    if (typeof body.id !== "number") {
      throw new Error(
        `GET /id answered ${response.status} ${text} (pid header ${response.headers.get("x-bento-worker-pid")})`,
      );
    }
    seen.set(body.id, body.pid!);
  }
  return seen;
}

async function start(runtime: string): Promise<Served> {
  const s = await serve("node", SERVICE, [], { WORKER_RUNTIME: runtime });
  // The start line comes once every worker said READY=1; their own lines follow it closely.
  const deadline = Date.now() + 20_000;
  while ((s.output().match(/\] (api|runner) \d \d+ ready/g) ?? []).length < 4 && Date.now() < deadline) await sleep(20);
  return s;
}

for (const runtime of ["node", "bun", "deno"] as const) {
  describe(`workers on ${runtime}`, () => {
    test(
      "both API workers answer with their ids, sequential runner calls reach both runners, /metrics has them all, " +
        "API and runner workers answer /livez, /readyz and /healthz",
      async () => {
        const s = await start(runtime);
        const api = await ids(s, 2);
        expect([...api.keys()].sort()).toEqual([1, 2]);
        for (const pid of api.values()) expect(exeOf(pid)).toContain(runtime);

        // 256 calls, so that the client looks for workers more than once (at calls 0, 64 and 192): Node runners
        // share one socket, and on a loaded machine one look's 32 new connections can all reach the worker that
        // happened to be awake (a fresh-clone CI run saw one runner in 64 calls).
        const res = await fetch(`http://127.0.0.1:${s.port}/spread?n=256`, { method: "POST" });
        expect(res.headers.get("x-bento-worker-pid")).toMatch(/^\d+$/);
        const { counts } = (await res.json()) as { counts: Record<string, number> };
        expect(Object.keys(counts)).toHaveLength(2);
        for (const pid of Object.keys(counts)) expect(exeOf(pid)).toContain(runtime);

        const metrics = await (await get(s, "/metrics")).text();
        expect(metrics).toMatch(/bentoml_api_server_request_total\{[^}]*endpoint="\/spread"/);
        expect(metrics).toMatch(/bentoml_runner_request_total\{[^}]*endpoint="\/pid"/);

        for (const path of ["/livez", "/readyz", "/healthz"]) {
          const health = await get(s, path);
          expect([path, health.status, await health.text()]).toEqual([path, 200, "ok\n"]);
        }
        const runner = await (await get(s, "/runner-readyz")).json();
        expect(runner).toEqual({ status: 200, body: "ok\n" });

        // The access log's length= is the body sent: Response.json, a plain Response's text, a streamed body, health.
        expect(await (await get(s, "/slow?ms=0")).text()).toBe("slept");
        expect(await (await get(s, "/stream")).text()).toBe("abc");
        const lengths = (): Map<string, Set<string>> => {
          const found = new Map<string, Set<string>>();
          const lines = s.output().matchAll(/method=GET,path=(\/[a-z]+),[^)]*\) \(status=200,[^)]*length=(\d*)\)/g);
          for (const [, path, length] of lines) found.set(path!, (found.get(path!) ?? new Set()).add(length!));
          return found;
        };
        // Every line awaited, not the last asked for: two workers' lines are written in batches of their own, in
        // no order between them (a Deno worker's /slow line came after the other worker's /stream line).
        const awaited = ["/slow", "/stream", "/livez", "/healthz", "/id"];
        for (let i = 0; i < 100 && !awaited.every((path) => lengths().has(path)); i++) await sleep(20);
        const sent = Object.fromEntries([...lengths()].map(([path, set]) => [path, [...set].sort()]));
        const idLengths = [...api].map(([id, pid]) => String(JSON.stringify({ id, pid }).length));
        expect(sent).toMatchObject({ "/slow": ["5"], "/stream": ["3"], "/livez": ["3"], "/healthz": ["3"] });
        expect(sent["/id"]!.every((length) => idLengths.includes(length))).toBe(true);
      },
      SLOW,
    );

    test(
      "kill -9 of a worker: a replacement with the same id answers; SIGTERM lets an in-flight request finish, then nothing is left",
      async () => {
        const s = await start(runtime);
        const before = await ids(s, 2);
        const victim = before.get(1)!;
        process.kill(victim, "SIGKILL");
        let after = new Map<number, number>();
        for (let i = 0; i < 100 && !(after.get(1) && after.get(1) !== victim); i++) {
          await sleep(50);
          after = await ids(s, 2).catch(() => new Map());
        }
        expect(after.get(1)).toBeDefined();
        expect(after.get(1)).not.toBe(victim);
        expect(exeOf(after.get(1)!)).toContain(runtime);

        const slow = get(s, "/slow?ms=1500");
        await sleep(300);
        const code = s.stop("SIGTERM");
        const answer = await slow;
        expect(answer.status).toBe(200);
        expect(await answer.text()).toBe("slept");
        expect(await code).toBe(0);
        expect(await s.leftovers()).toEqual([]);
        expect(alive(victim)).toBe(false);
      },
      SLOW,
    );

    test(
      "HTTPS with an encrypted key (the workers read the supervisor's decrypted copy): the API answers over TLS",
      async () => {
        const certs = makeCerts();
        try {
          const s = await serve("node", SERVICE, [
            "--ssl-certfile",
            certs.cert,
            "--ssl-keyfile",
            certs.encryptedKey,
            "--ssl-keyfile-password-file",
            certs.passwordFile,
          ], { WORKER_RUNTIME: runtime });
          const out = execFileSync("curl", ["-s", "--cacert", certs.ca, "-D", "-", `https://localhost:${s.port}/id`], {
            encoding: "utf8",
          });
          const pid = /x-bento-worker-pid: (\d+)/i.exec(out)?.[1];
          expect(out).toMatch(/"id":[12]/);
          expect(exeOf(pid!)).toContain(runtime);
        } finally {
          certs.remove();
        }
      },
      SLOW,
    );
  });
}
