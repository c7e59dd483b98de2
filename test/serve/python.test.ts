import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { hasGunicorn, hasUvicorn, noteSkipped } from "../_helpers/python.ts";
import { alive, cleanup, CLEANUP_MS, post, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

noteSkipped("the uvicorn and gunicorn serve tests", [
  ...(hasUvicorn ? [] : ["python3-uvicorn"]),
  ...(hasGunicorn ? [] : ["python3-gunicorn"]),
]);

test.skipIf(!hasUvicorn)(
  "a Python runner under a real uvicorn adopts the inherited fd, behind the TypeScript API server",
  async () => {
    const s = await serve("node", "examples/iris-python");
    await s.waitForOutput(/\[runner:iris:2\].*Uvicorn running on socket/);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(s.port, "/classify", "[[5.9,3.0,5.1,1.8],[5.1,3.5,1.4,0.2]]")),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: "[2,0]" });
    const bad = await post(s.port, "/classify", "[[1,2]]");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toContain("Row 0 has 2 values, not 4");
    const workers = s.descendants();
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  },
  40_000,
);

test.skipIf(!hasUvicorn || !hasGunicorn)(
  "gunicorn finds the socket through LISTEN_FDS/LISTEN_PID alone (no fd in its argv)",
  async () => {
    const s = await serve("node", "examples/iris-gunicorn");
    await s.waitForOutput(/\[runner:iris:2\].*Application startup complete/);
    await s.waitForOutput(/\[runner:iris:1\].*Application startup complete/);
    expect(s.output()).toMatch(/\[runner:iris:1\] .*Listening at: unix:\/.*\/iris\.sock/);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(s.port, "/classify", "[[5.9,3.0,5.1,1.8]]")),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: "[2]" });
    const workers = s.descendants();
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  },
  40_000,
);
