/**
 * The supervisor's admin API from the bench: a supervisor started with a known
 * token and admin port (state dir in a temp dir), a keep-alive client for its
 * routes, and its event stream collected.
 */
import { Agent, type ClientRequest, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "./config.ts";
import { type Proc, startSupervisor } from "./start.ts";
import { now } from "./stats.ts";
import { stop } from "./stop.ts";
import { waitFor, waitReady } from "./wait.ts";
import { freePort, http, type HttpResult } from "./http.ts";

const TOKEN = "bench-admin-token-0123456789abcdef";

export interface AdminEvent {
  readonly id: number;
  readonly at: number;
  readonly type: string;
  readonly pool?: string;
  readonly workerId?: number;
  readonly pid?: number;
  readonly afterMs?: number;
  readonly phase?: string;
  readonly exit?: { readonly pool: string; readonly workerId: number; readonly pid: number };
}

export interface Admin {
  readonly port: number;
  /** One request on the client's single keep-alive connection; `ms` is the time to the whole body. */
  req(method: string, path: string, body?: unknown): Promise<{ status: number; ms: number; body: string }>;
  /** Collects `GET /v1/events` into `events` (with `t`, the bench's clock on arrival) until `close()`. */
  events(): Promise<{ events: (AdminEvent & { t: number })[]; close(): void }>;
  close(): void;
}

/** The supervisor on `rt` with its admin server on a fresh port; `stateDir` is removed by the caller via `admin.close()`. */
export async function startWithAdmin(
  rt: Runtime,
  serviceDir: string,
  port: number,
  args: readonly string[] = [],
): Promise<{ proc: Proc; admin: Admin }> {
  const adminPort = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "bento-bench-admin-"));
  const proc = startSupervisor(rt, serviceDir, port, {
    args: [...args, "--admin-port", String(adminPort)],
    env: { BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: stateDir },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const streams = new Set<ClientRequest>();
  const admin: Admin = {
    port: adminPort,
    req: (method, path, body) =>
      new Promise((res, rej) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const t0 = now();
        const r = request({
          host: "127.0.0.1",
          port: adminPort,
          method,
          path,
          agent,
          timeout: 120_000,
          headers: {
            ...headers,
            ...(data === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(data) }),
          },
        }, (resp) => {
          let text = "";
          resp.setEncoding("utf8");
          resp.on("data", (c: string) => (text += c));
          resp.on("end", () => res({ status: resp.statusCode ?? 0, ms: now() - t0, body: text }));
          resp.on("error", rej);
        });
        r.on("timeout", () => r.destroy(new Error(`admin ${method} ${path}: no answer`)));
        r.on("error", rej);
        r.end(data);
      }),
    events: () =>
      new Promise((res, rej) => {
        const events: (AdminEvent & { t: number })[] = [];
        const r = request({ host: "127.0.0.1", port: adminPort, path: "/v1/events", agent: false, headers }, (resp) => {
          if (resp.statusCode !== 200) return rej(new Error(`GET /v1/events: HTTP ${resp.statusCode}`));
          let buf = "";
          resp.setEncoding("utf8");
          resp.on("data", (c: string) => {
            buf += c;
            const lines = buf.split("\n");
            buf = lines.pop()!;
            for (const l of lines) {
              if (l.startsWith("data: ")) events.push({ ...(JSON.parse(l.slice(6)) as AdminEvent), t: now() });
            }
          });
          resp.on("error", () => {});
          res({
            events,
            close: () => {
              streams.delete(r);
              r.destroy();
            },
          });
        });
        streams.add(r);
        r.on("error", (e) => (streams.has(r) ? rej(e) : undefined));
        r.end();
      }),
    close: () => {
      for (const r of streams) r.destroy();
      agent.destroy();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return { proc, admin };
}

/** Runs `fn` on a supervisor with its admin server up, then stops it by pid. */
export async function withAdmin<T>(
  dir: string,
  args: string[],
  workers: number,
  probe: (port: number) => Promise<HttpResult>,
  fn: (proc: Proc, admin: Admin, port: number) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const { proc, admin } = await startWithAdmin("node", dir, port, args);
  try {
    await waitReady(proc, workers, 180_000);
    await waitFor(proc, () => probe(port), { deadlineMs: 60_000 });
    await waitFor(proc, () => http(admin.port, "GET", "/healthz"));
    return await fn(proc, admin, port);
  } finally {
    await stop(proc);
    admin.close();
  }
}

/** p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
