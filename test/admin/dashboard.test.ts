/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core)
 * against the fake service served on a real port: it shows both pools and their
 * workers, a click on "Rolling restart" leads to new pids on the page without a
 * reload, scale works, and without a token it asks for one. Then a real serve
 * of a copy of examples/iris (issue 22): the event history from the first
 * spawn, the charts live under traffic, a kill -9 and a rolling restart marked
 * on them, dark mode and a phone's width, and a runner added by a reload.
 * Screenshots go to a temp dir (removed after; keep it with BENTO_TEST_KEEP_SHOTS=1).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { readyMsFor, serviceTestMs } from "../_helpers/serve-process.ts";
import { cleanupServices, type FakeService, startFakeService } from "./_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

const CHROMIUM = "/usr/bin/chromium";
let browser: Browser | undefined;
let svc: FakeService;

beforeAll(async () => {
  svc = await startFakeService("bun");
  if (!existsSync(CHROMIUM)) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  cleanupServices();
});

const pids = (page: Page, pool: string) => page.locator(`section[data-pool="${pool}"] td.pid`).allTextContents();

test.skipIf(!existsSync(CHROMIUM))(
  "shows both pools and their workers; restart and scale update the page live",
  async () => {
    const page = await browser!.newPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(`${svc.url}/#token=${svc.token}`);
    await page.locator('section[data-pool="runner:iris"] tr[data-worker-id]').nth(1).waitFor();
    await page.locator('section[data-pool="api_server"] tr[data-worker-id]').nth(1).waitFor();
    expect(await page.locator("#service-name").textContent()).toBe("iris_classifier");
    expect(await pids(page, "runner:iris")).toEqual(["1000", "1001"]);
    const before = await pids(page, "api_server");
    expect(before).toEqual(["1002", "1003"]);
    expect(page.url()).not.toContain(svc.token); // the fragment is dropped from the address bar

    const loads = requested.filter((u) => u.endsWith("/")).length;
    await page.locator('section[data-pool="api_server"] button[data-action="rolling"]').click();
    await page.waitForFunction(
      (old) => {
        const now = [...document.querySelectorAll('section[data-pool="api_server"] td.pid')].map((td) =>
          td.textContent
        );
        return now.length === 2 && now.every((p) => !old.includes(p));
      },
      before,
      { timeout: 20_000 },
    );
    expect(requested.filter((u) => u.endsWith("/")).length).toBe(loads); // no reload
    await page.locator("#events li").filter({ hasText: "restart api_server" }).first().waitFor();

    await page.locator('section[data-pool="api_server"] input[data-role="workers"]').fill("3");
    await page.locator('section[data-pool="api_server"] button[data-action="scale"]').click();
    await page.locator('section[data-pool="api_server"] tr[data-worker-id="3"]').waitFor();

    await page.locator('section[data-pool="api_server"] input[data-role="workers"]').fill("0");
    await page.locator('section[data-pool="api_server"] button[data-action="scale"]').click();
    await page.locator("#status.error").filter({ hasText: "expected at least 1" }).waitFor();
    expect(requested.every((u) => !u.includes(svc.token))).toBe(true);
    await page.close();
  },
  60_000,
);

test.skipIf(!existsSync(CHROMIUM))(
  "without a token the page asks for one, and shows nothing until it has it",
  async () => {
    const page = await browser!.newPage();
    await page.goto(svc.url);
    await page.locator("#login").waitFor();
    expect(await page.locator("#main").isHidden()).toBe(true);
    await page.locator("#token").fill("wrong-token-123456");
    await page.locator("#login button").click();
    await page.locator("#login-message").filter({ hasText: "refused" }).waitFor();
    await page.locator("#token").fill(svc.token);
    await page.locator("#login button").click();
    await page.locator('section[data-pool="api_server"] tr[data-worker-id]').first().waitFor();
    await page.close();
  },
  60_000,
);

/** The first events of `/v1/events` replayed from `Last-Event-ID: 0`, until `enough` says so (or `ms` passed). */
async function replay(
  url: string,
  token: string,
  enough: (events: { id: number; type: string }[]) => boolean,
  ms: number,
) {
  const res = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, "last-event-id": "0" },
    signal: AbortSignal.timeout(ms),
  });
  const events: { id: number; type: string; pool?: string }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end; (end = buffer.indexOf("\n\n")) >= 0; buffer = buffer.slice(end + 2)) {
        const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
        if (data) events.push(JSON.parse(data));
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}

const READY_MS = readyMsFor(4);

test.skipIf(!existsSync(CHROMIUM))(
  "on a real serve of iris: history from the first spawn, live charts, a crash and a rolling restart marked, " +
    "phone width and dark mode, and a runner added by a reload shown by /v1/service",
  async () => {
    const { cleanup, serve } = await import("../_helpers/serve-process.ts");
    const { edit, irisCopy, removeCopies } = await import("../serve/_reload-service.ts");
    const shots = mkdtempSync(join(tmpdir(), "bk-dashboard-shots-"));
    const token = "dashboard-e2e-token-0123456789";
    try {
      const dir = irisCopy();
      const s = await serve("node", dir, ["--reload"], {
        BENTO_ADMIN_TOKEN: token,
        BENTO_STATE_DIR: (await import("./_service.ts")).newStateDir(),
      });
      const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
      const get = async (path: string) =>
        (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();

      // Issue 22 item 3: start-up's spawns and readies are in the history, from id 1.
      const ready = (events: { type: string }[]) => events.filter((e) => e.type === "ready").length >= 4;
      const first = await replay(url, token, ready, READY_MS);
      expect(first[0]).toMatchObject({ id: 1, type: "spawn" });
      expect(first.filter((e) => e.type === "spawn").length).toBeGreaterThanOrEqual(4);
      expect(ready(first)).toBe(true);

      const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
      page.setDefaultTimeout(READY_MS);
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(`${url}/#token=${token}`);
      const runner = 'section[data-pool="runner:iris"]';
      await page.locator(`${runner} tr[data-worker-id]`).nth(1).waitFor();
      await page.locator('section[data-pool="api_server"] tr[data-worker-id]').nth(1).waitFor();
      // The page's timeline starts with the supervisor too.
      await page.locator("#events li").filter({ hasText: /#1 spawn / }).waitFor();

      // 300 requests: the API pool's request-rate chart shows them.
      for (let i = 0; i < 30; i++) {
        await Promise.all(
          Array.from(
            { length: 10 },
            () =>
              fetch(`http://127.0.0.1:${s.port}/classify`, { method: "POST", body: "[[5.9,3.0,5.1,1.8]]" })
                .then((r) => r.text()),
          ),
        );
      }
      const rate = 'section[data-pool="api_server"] figure[data-chart="rate"]';
      await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute("data-max")) > 0, rate, {
        timeout: READY_MS,
      });
      expect(Number(await page.locator(rate).getAttribute("data-max"))).toBeGreaterThan(0);
      expect(await page.locator(`${runner} figure[data-chart="rss"] polyline`).count()).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: join(shots, "1-traffic.png") });

      // kill -9 of runner worker 1: the crash and the respawn on the timeline and the chart, restarts 0 → 1.
      const restarts = () => page.locator(`${runner} tr[data-worker-id="1"] td`).nth(4).textContent();
      expect(await restarts()).toBe("0");
      const victim = Number(await page.locator(`${runner} tr[data-worker-id="1"] td.pid`).textContent());
      process.kill(victim, "SIGKILL");
      await page.locator("#events li.crash").filter({ hasText: `exit runner:iris:1 pid ${victim}` }).waitFor({
        timeout: READY_MS,
      });
      // The respawn: worker id 1 again, another pid.
      await page.locator('#events li[data-type="spawn"]').filter({ hasText: "spawn runner:iris:1 pid" })
        .filter({ hasNotText: `pid ${victim}` }).waitFor({ timeout: READY_MS });
      const timeline = await page.locator("#events li").allTextContents(); // newest first
      const crashAt = timeline.findIndex((t) => t.includes(`exit runner:iris:1 pid ${victim}`));
      const respawnAt = timeline.findIndex((t) =>
        t.includes("spawn runner:iris:1 pid") && !t.includes(`pid ${victim}`)
      );
      expect(respawnAt).toBeLessThan(crashAt);
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.textContent === "1",
        `${runner} tr[data-worker-id="1"] td:nth-child(5)`,
        {
          timeout: READY_MS,
        },
      );
      // (an SVG line has no box: attached, not "visible")
      await page.locator(`${runner} figure[data-chart="rate"] line.mark[data-kind="crash"]`).waitFor({
        state: "attached",
        timeout: READY_MS,
      });

      // A rolling restart: its mark appears on the runner's charts, the page is not reloaded.
      const loads = requested.filter((u) => u.endsWith("/")).length;
      await page.locator(`${runner} button[data-action="rolling"]`).click();
      await page.locator(`${runner} figure[data-chart="rss"] line.mark[data-kind="restart"]`).waitFor({
        state: "attached",
        timeout: READY_MS,
      });
      expect(await page.locator('section[data-pool="api_server"] line.mark[data-kind="restart"]').count()).toBe(0);
      expect(requested.filter((u) => u.endsWith("/")).length).toBe(loads);
      await page.locator("#status").filter({ hasText: "Rolling restart runner:iris: done" }).waitFor({
        timeout: READY_MS,
      });
      await page.screenshot({ path: join(shots, "2-crash-and-restart.png") });

      // Dark mode follows the browser; a phone's width needs no sideways scrolling.
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.emulateMedia({ colorScheme: "dark" });
      expect(await background()).not.toBe(light);
      await page.screenshot({ path: join(shots, "3-dark.png") });
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(shots, "4-phone.png"), fullPage: true });
      await page.close();

      // Issue 22 item 4: a reload that adds a runner, and GET /v1/service lists it with its socket.
      edit(
        dir,
        "bento.config.ts",
        'iris: { command: { module: "./runner.ts" }, workers: 2 },',
        'iris: { command: { module: "./runner.ts" }, workers: 2 },\n    extra: { command: { module: "./runner.ts" }, workers: 1 },',
      );
      const deadline = Date.now() + READY_MS;
      let service = await get("/v1/service");
      while (!service.pools.some((p: { name: string }) => p.name === "runner:extra") && Date.now() < deadline) {
        await Bun.sleep(200);
        service = await get("/v1/service");
      }
      expect(service.pools.map((p: { name: string }) => p.name)).toContain("runner:extra");
      expect(service.sockets.map((k: { name: string }) => k.name)).toContain("extra");
      for (const f of ["1-traffic.png", "2-crash-and-restart.png", "3-dark.png", "4-phone.png"]) {
        expect(existsSync(join(shots, f))).toBe(true);
      }
    } finally {
      await cleanup();
      removeCopies();
      if (process.env.BENTO_TEST_KEEP_SHOTS) console.log(`screenshots in ${shots}`);
      else rmSync(shots, { recursive: true, force: true });
    }
  },
  READY_MS * 6,
);
