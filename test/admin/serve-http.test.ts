/**
 * The admin server served through each runtime adapter's serveHttp (HTTP/1.1
 * over node:net on all three: src/runtime/shared/_guarded-http.ts), started by
 * startAdmin as serve will: real HTTP (a whole answer with its length, the event
 * stream chunked), instance file written and removed, and a taken port
 * reported as an error.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { RUNTIMES, serviceTestMs } from "../_helpers/serve-process.ts";
import { cleanupServices, newStateDir, startFakeService } from "./_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterAll(cleanupServices);

async function firstEvent(url: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/v1/events`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  expect(res.headers.get("transfer-encoding")).toBe("chunked");
  // Something must happen while the stream is open: a restart through the API.
  void fetch(`${url}/v1/pools/api_server/restart`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  const reader = res.body!.getReader();
  let text = "";
  while (!/^data: .*$/m.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return JSON.parse(/^data: (.*)$/m.exec(text)![1]!);
}

describe.each([...RUNTIMES])("on %s", (runtime) => {
  test("serves the admin API, streams events, and cleans up on stop", async () => {
    const svc = await startFakeService(runtime);
    expect(svc.output()).toContain(`Admin API and dashboard on ${svc.url} (token ${svc.token.slice(0, 4)}…`);
    expect(svc.output()).not.toContain(svc.token);
    const file = join(svc.stateDir, `${svc.pid}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${svc.url}/v1/pools`)).status).toBe(401);
    const service = await (await fetch(`${svc.url}/v1/service`, { headers: { Authorization: `Bearer ${svc.token}` } }))
      .json();
    expect(service.runtime).toBe(runtime);
    // A whole answer goes out with its length (one write), not chunked; the event stream below is chunked.
    const pools = await fetch(`${svc.url}/v1/pools`, { headers: { Authorization: `Bearer ${svc.token}` } });
    const body = new Uint8Array(await pools.arrayBuffer());
    expect(pools.headers.get("transfer-encoding")).toBeNull();
    expect(Number(pools.headers.get("content-length"))).toBe(body.length);
    expect((await firstEvent(svc.url, svc.token)).type).toBe("restart");
    const stop = await fetch(`${svc.url}/v1/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${svc.token}` },
    });
    expect(stop.status).toBe(202);
    expect(await svc.exited).toBe(0);
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  test("a taken admin port is an error naming the flag", async () => {
    const first = await startFakeService(runtime);
    const port = new URL(first.url).port;
    const second = await startFakeService(runtime, { BENTO_ADMIN_PORT: port }).catch((e: Error) => e.message);
    expect(second).toContain("already in use (EADDRINUSE)");
    expect(second).toContain("--admin-port");
  }, 60_000);
});

test("a non-loopback admin host without BENTO_ADMIN_TOKEN is refused at start with exit 2", async () => {
  const out = await startFakeService("bun", { BENTO_ADMIN_HOST: "0.0.0.0" }, newStateDir()).catch((e: Error) =>
    e.message
  );
  expect(out).toContain("set BENTO_ADMIN_TOKEN");
  const ok = await startFakeService("bun", {
    BENTO_ADMIN_HOST: "0.0.0.0",
    BENTO_ADMIN_TOKEN: "a-long-enough-secret-token",
  });
  expect(ok.output()).toContain("token from BENTO_ADMIN_TOKEN");
  expect(
    (await fetch(`${ok.url}/v1/pools`, { headers: { Authorization: "Bearer a-long-enough-secret-token" } })).status,
  ).toBe(200);
}, 60_000);
