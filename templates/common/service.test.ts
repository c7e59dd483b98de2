/**
 * The service, started for real on a free port (the supervisor, the runner
 * pool and the API server): `npm test`, or `bun test`, or `deno test -A`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startService } from "bento-kit/testing";

test("POST /classify answers the class of each row", async () => {
  const started = await startService({ dir: fileURLToPath(new URL(".", import.meta.url)) });
  if (started.isErr()) throw new Error(started.error.message);
  const service = started.value;
  try {
    const res = await fetch(`${service.url}/classify`, {
      method: "POST",
      body: "[[5.9,3.0,5.1,1.8],[5.1,3.5,1.4,0.2]]",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), ["virginica", "setosa"]);
    const bad = await fetch(`${service.url}/classify`, { method: "POST", body: "[[1,2]]" });
    assert.equal(bad.status, 400);
  } finally {
    assert.deepEqual(await service.stop(), []);
  }
});
