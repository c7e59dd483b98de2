/** The admin routes through app.request() against an in-memory control. */
import { afterEach, describe, expect, test } from "bun:test";
import { hookVetoed } from "../../src/core/errors.ts";
import { operationInProgress, rolloutFailed } from "../../src/core/control.ts";
import { type AdminApp, createAdminApp } from "../../src/admin/app.ts";
import { createFakeControl, type FakeControl, fakeServiceInfo } from "./_fake-control.ts";

const TOKEN = "test-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };
let opened: AdminApp[] = [];
afterEach(() => {
  opened.forEach((a) => a.close());
  opened = [];
});

function setup(): {
  admin: AdminApp;
  control: FakeControl;
  req: (path: string, init?: RequestInit) => Promise<Response>;
} {
  const control = createFakeControl();
  const info = fakeServiceInfo(control);
  const admin = createAdminApp({
    control,
    service: () => info,
    token: TOKEN,
    stats: (pid) => ({ rssBytes: pid * 1024, cpuSeconds: 1.5 }),
  });
  opened.push(admin);
  const req = (path: string, init: RequestInit = {}) =>
    Promise.resolve(
      admin.app.request(path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }),
    );
  return { admin, control, req };
}

const post = (
  body?: unknown,
  headers: Record<string, string> = { "Content-Type": "application/json" },
): RequestInit => ({
  method: "POST",
  headers,
  body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
});

describe("auth", () => {
  test("every route but /healthz and the dashboard page answers 401 without the right token", async () => {
    const { admin } = setup();
    for (const path of ["/v1/service", "/v1/pools", "/v1/pools/api_server", "/v1/events", "/openapi.json"]) {
      const none = await admin.app.request(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      expect((await none.json()).error.message).toContain("Missing token");
      const wrong = await admin.app.request(path, { headers: { Authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
    }
    const stop = await admin.app.request("/v1/stop", { method: "POST", headers: { Authorization: "Bearer nope" } });
    expect(stop.status).toBe(401);
    expect((await admin.app.request("/healthz")).status).toBe(200);
    const page = await admin.app.request("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
  });
});

describe("reading", () => {
  test("GET /v1/service tells name, command, sockets, uptime, version, with secrets redacted", async () => {
    const { req } = setup();
    const res = await req("/v1/service");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      name: "iris_classifier",
      command: "serve",
      version: "0.1.0",
      sockets: [{ name: "api", address: "tcp://127.0.0.1:3000" }],
    });
    expect(body.uptimeMs).toBeGreaterThanOrEqual(5000);
    // Names of the variables set, never their values.
    expect(body.pools[0].env).toEqual(["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "HF_TOKEN", "MODEL_DIR"]);
    expect(body.pools[0].workerEnv[0]).toEqual(["API_KEY", "CUDA_VISIBLE_DEVICES"]);
    expect(body.pools[0].command.argv).toEqual([
      "python3",
      "-m",
      "uvicorn",
      "--db-password=***",
      "--db-password",
      "***",
    ]);
    expect(body.options.sslKeyfilePassword).toBe("***");
    expect(JSON.stringify(body)).not.toMatch(/hunter[23]/);
  });

  test("GET /v1/pools and /v1/pools/:pool list workers with pid, state, uptime, restarts, memory and CPU", async () => {
    const { req } = setup();
    const all = await (await req("/v1/pools")).json();
    expect(all.pools.map((p: { name: string }) => p.name)).toEqual(["runner:iris", "api_server"]);
    const one = await req(`/v1/pools/${encodeURIComponent("runner:iris")}`);
    expect(one.status).toBe(200);
    const pool = await one.json();
    expect(pool.workers).toHaveLength(2);
    expect(pool.workers[0]).toMatchObject({ id: 1, state: "ready", restarts: 0, lastExit: null, cpuSeconds: 1.5 });
    expect(pool.workers[0].rssBytes).toBe(pool.workers[0].pid * 1024);
    expect(pool.workers[0].uptimeMs).toBeGreaterThanOrEqual(0);
  });

  test("an unknown pool is 404 naming the pools", async () => {
    const { req } = setup();
    const res = await req("/v1/pools/web");
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.error.kind).toBe("PoolNotFound");
    expect(body.error.message).toContain('"api_server"');
    expect((await req("/v1/nothing")).status).toBe(404);
  });
});

describe("steering", () => {
  test("scale, rolling restart and one worker's restart answer with the pool as it is after them", async () => {
    const { req } = setup();
    const scaled = await req("/v1/pools/api_server/scale", post({ workers: 3 }));
    expect(scaled.status).toBe(200);
    expect((await scaled.json()).workers).toHaveLength(3);
    // GET /v1/service stays true after a scale (issue 22 item 4).
    const service = await (await req("/v1/service")).json();
    expect(service.pools.find((p: { name: string }) => p.name === "api_server").workers).toBe(3);
    const before = (await (await req("/v1/pools/api_server")).json()).workers.map((w: { pid: number }) => w.pid);
    const restarted = await (await req("/v1/pools/api_server/restart", { method: "POST" })).json();
    const after = restarted.workers.map((w: { pid: number }) => w.pid);
    expect(after).toHaveLength(3);
    expect(after.some((p: number) => before.includes(p))).toBe(false);
    const one = await (await req("/v1/pools/api_server/workers/2/restart", { method: "POST" })).json();
    expect(one.workers[1].pid).not.toBe(after[1]);
    expect(one.workers[0].pid).toBe(after[0]);
  });

  test("POST /v1/reload answers every pool replaced; a refused new certificate is 422 and changes nothing", async () => {
    const { req, control } = setup();
    const before = (await (await req("/v1/pools")).json()).pools.flatMap((p: { workers: { pid: number }[] }) =>
      p.workers.map((w) => w.pid)
    );
    const done = await req("/v1/reload", { method: "POST" });
    expect(done.status).toBe(200);
    const body = await done.json();
    expect(body.certificate).toBeNull();
    const after = body.pools.flatMap((p: { workers: { pid: number }[] }) => p.workers.map((w) => w.pid));
    expect(after).toHaveLength(before.length);
    expect(after.some((p: number) => before.includes(p))).toBe(false);
    const message = "--ssl-certfile /etc/cert.pem holds no certificate: give a PEM file";
    control.failNext({ kind: "ReloadRefused", message });
    const refused = await req("/v1/reload", { method: "POST" });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ error: { kind: "ReloadRefused", message } });
    expect(
      (await (await req("/v1/pools")).json()).pools.flatMap((p: { workers: { pid: number }[] }) =>
        p.workers.map((w) => w.pid)
      ),
    ).toEqual(after);
  });

  test("POST /v1/stop begins the stop (202), and later changes get 503", async () => {
    const { req, control } = setup();
    const res = await req("/v1/stop", { method: "POST" });
    expect(res.status).toBe(202);
    expect(control.stopped).toBe(true);
    const late = await req("/v1/pools/api_server/restart", { method: "POST" });
    expect(late.status).toBe(503);
    expect((await late.json()).error.kind).toBe("ServiceStopping");
  });

  const bad: [string, string, RequestInit, number][] = [
    ["an unknown pool", "/v1/pools/web/scale", post({ workers: 2 }), 404],
    ["workers: 0", "/v1/pools/api_server/scale", post({ workers: 0 }), 400],
    ['workers: "three"', "/v1/pools/api_server/scale", post({ workers: "three" }), 400],
    ["workers: 2.5", "/v1/pools/api_server/scale", post({ workers: 2.5 }), 400],
    ["workers above the pool maximum", "/v1/pools/api_server/scale", post({ workers: 100000 }), 400],
    ["an unknown field", "/v1/pools/api_server/scale", post({ workers: 2, force: true }), 400],
    ["no body", "/v1/pools/api_server/scale", post(), 400],
    ["a body that is not JSON", "/v1/pools/api_server/scale", post("{workers: three"), 400],
    [
      "a body without a JSON content type",
      "/v1/pools/api_server/scale",
      post("workers=3", { "Content-Type": "text/plain" }),
      415,
    ],
    [
      "a 10 MB body",
      "/v1/pools/api_server/scale",
      post(JSON.stringify({ workers: 2, pad: "x".repeat(10 << 20) })),
      413,
    ],
    ["a worker id that is not a number", "/v1/pools/api_server/workers/two/restart", post(), 400],
    ["worker id 0", "/v1/pools/api_server/workers/0/restart", post(), 400],
    ["an unknown worker", "/v1/pools/api_server/workers/9/restart", post(), 404],
    ["a bad Last-Event-ID", "/v1/events", { headers: { "Last-Event-ID": "yesterday" } }, 400],
  ];
  for (const [what, path, init, status] of bad) {
    test(`${what}: ${status} with a message, and the service unchanged`, async () => {
      const { req, control } = setup();
      const before = JSON.stringify(control.pools());
      const res = await req(path, init);
      expect(res.status).toBe(status);
      const body = await res.json();
      expect(body.error.message.length).toBeGreaterThan(10);
      expect(JSON.stringify(control.pools())).toBe(before);
    });
  }

  test("control errors map to their statuses", async () => {
    const { req, control } = setup();
    const cases = [
      [operationInProgress("api_server", "rolling restart"), 409],
      [rolloutFailed("api_server", 2, "worker 2 did not become ready within 30 s"), 500],
      [hookVetoed("acme:guard", "beforeControl", "not during business hours"), 403],
    ] as const;
    for (const [error, status] of cases) {
      control.failNext(error);
      const res = await req("/v1/pools/api_server/restart", { method: "POST" });
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { kind: error.kind, message: error.message } });
    }
  });
});
