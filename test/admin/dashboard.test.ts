/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core)
 * against the fake service served on a real port: it shows both pools and their
 * workers, a click on "Rolling restart" leads to new pids on the page without a
 * reload, scale works, and without a token it asks for one.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { cleanupServices, type FakeService, startFakeService } from "./_service.ts";
import { serviceTestMs } from "../_helpers/serve-process.ts";

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

test.skipIf(!existsSync(CHROMIUM))(
  "on a real serve of the iris example: both pools shown, a click on restart shows the new pids live",
  async () => {
    const { cleanup, serve } = await import("../_helpers/serve-process.ts");
    const token = "dashboard-e2e-token-0123456789";
    try {
      const s = await serve("node", "examples/iris", [], {
        BENTO_ADMIN_TOKEN: token,
        BENTO_STATE_DIR: (await import("./_service.ts")).newStateDir(),
      });
      const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
      const page = await browser!.newPage();
      await page.goto(`${url}/#token=${token}`);
      await page.locator('section[data-pool="runner:iris"] tr[data-worker-id]').nth(1).waitFor();
      await page.locator('section[data-pool="api_server"] tr[data-worker-id]').nth(1).waitFor();
      const before = await pids(page, "runner:iris");
      expect(before.every((p) => /^\d+$/.test(p))).toBe(true);
      await page.locator('section[data-pool="runner:iris"] button[data-action="rolling"]').click();
      await page.waitForFunction(
        (old) => {
          const now = [...document.querySelectorAll('section[data-pool="runner:iris"] td.pid')].map((td) =>
            td.textContent
          );
          return now.length === 2 && now.every((p) => p && /^\d+$/.test(p) && !old.includes(p));
        },
        before,
        { timeout: 30_000 },
      );
      const after = await pids(page, "runner:iris");
      for (const pid of before) expect(after).not.toContain(pid);
      await page.close();
    } finally {
      await cleanup();
    }
  },
  90_000,
);
