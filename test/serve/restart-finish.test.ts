/**
 * Issue 19 item 15, on a real `serve` (Node supervisor) with the veto fixture
 * (API worker 2 kept down by a plugin): a rolling restart of the pool skips the
 * vetoed worker and says so, finishes, answers `busy: null`, and counts the
 * restart in `restarts` (the RESTARTS column of `bento-kit status`).
 */
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { cleanup, CLEANUP_MS, serve, serviceTestMs } from "../_helpers/serve-process.ts";
import { newStateDir, runCli } from "../admin/_service.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

const TOKEN = "restart-admin-token-0123456789";

test(
  "issue 19 item 15: a restart skips a vetoed worker and finishes; its answer is not busy; RESTARTS counts it",
  async () => {
    const env = { BENTO_TEST_VETO: "keep-down", BENTO_ADMIN_TOKEN: TOKEN, BENTO_STATE_DIR: newStateDir() };
    const s = await serve("node", "test/_fixtures/veto-service", [], env);
    const url = (await s.waitForOutput(/Admin API and dashboard on (http:\/\/\S+)/))![1]!;
    const res = await fetch(`${url}/v1/pools/api_server/restart`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await res.json() as {
      busy: string | null;
      workers: { id: number; state: string; restarts: number }[];
    };
    expect(res.status).toBe(200);
    expect(body.busy).toBeNull();
    expect(body.workers.map((w) => [w.id, w.state, w.restarts])).toEqual([[1, "ready", 1], [2, "vetoed", 0]]);
    expect(s.output()).toMatch(/restart: worker 2 skipped, a plugin keeps it down \(.*no GPU left for it\)/);
    const status = await runCli(["status"], env);
    expect(status.stdout).toMatch(/^api_server\s+1\s+\d+\s+ready\s+\S+\s+1\b/m);
    expect(await s.stop()).toBe(0);
  },
  60_000,
);
