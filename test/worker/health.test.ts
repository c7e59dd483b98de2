/**
 * serve()'s health routes around an app, without a server: the app's own
 * answer wins, its 404 falls back to the built-in route, /readyz follows the
 * draining flag and the runners in the runner map. Served end to end on Node,
 * Bun and Deno workers in runtimes.test.ts, iris.test.ts and two-hosts.test.ts.
 */
import { expect, test } from "bun:test";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withHealth } from "../../src/worker/_health.ts";

const notFound = () => new Response("no route", { status: 404 });

async function get(handler: (r: Request) => Response | Promise<Response>, path: string, method = "GET") {
  const res = await handler(new Request(`http://worker${path}`, { method }));
  return [res.status, await res.text()];
}

test("an app's own health route wins; its 404 falls back to the built-in one; other methods reach the app", async () => {
  const app = (r: Request) =>
    new URL(r.url).pathname === "/readyz" ? new Response("mine", { status: 503 }) : notFound();
  const handler = withHealth(app, { draining: () => false, env: {} });
  expect(await get(handler, "/readyz")).toEqual([503, "mine"]);
  expect(await get(handler, "/livez")).toEqual([200, "ok\n"]);
  expect(await get(handler, "/healthz")).toEqual([200, "ok\n"]);
  expect(await get(handler, "/livez", "POST")).toEqual([404, "no route"]);
  expect(await get(handler, "/other")).toEqual([404, "no route"]);
});

test("/readyz: 503 while draining or while a runner does not answer; a runner's 404 counts as answering", async () => {
  let draining = false;
  const dir = mkdtempSync(join(tmpdir(), "bk-health-"));
  const server = createServer((_req, res) => res.writeHead(404).end());
  try {
    await new Promise<void>((resolve) => server.listen(join(dir, "up.sock"), resolve));
    const up = withHealth(notFound, {
      draining: () => draining,
      env: { BENTO_RUNNER_MAP: JSON.stringify({ up: `unix://${join(dir, "up.sock")}` }) },
    });
    expect(await get(up, "/readyz")).toEqual([200, "ok\n"]);
    draining = true;
    expect(await get(up, "/readyz")).toEqual([503, "draining: this worker is stopping\n"]);
    expect(await get(up, "/livez")).toEqual([200, "ok\n"]);

    const down = withHealth(notFound, {
      draining: () => false,
      env: { BENTO_RUNNER_MAP: JSON.stringify({ up: `unix://${join(dir, "up.sock")}`, gone: `unix://${dir}/x.sock` }) },
    });
    const [status, body] = await get(down, "/readyz");
    expect(status).toBe(503);
    expect(body).toMatch(/^runner "gone" does not answer: Runner "gone" at unix:\/\/.*x\.sock is unavailable/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
