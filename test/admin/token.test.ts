/**
 * The admin token made at start (no BENTO_ADMIN_TOKEN): 32 random bytes as
 * hex, read from /dev/urandom on Node, from crypto.getRandomValues on Bun and
 * Deno, so it is made on each runtime; and how a log shows it.
 */
import { expect, test } from "bun:test";
import { maskToken } from "../../src/admin/_token.ts";
import { RUNTIMES, serviceTestMs } from "../_helpers/serve-process.ts";
import { runProbe } from "../_helpers/run-probe.ts";

test.each([...RUNTIMES])("on %s: 64 hex digits, a new one each time", async (runtime) => {
  const [a, b] = await runProbe<[string, string]>(runtime, "runtime-token.ts");
  expect(a).toMatch(/^[0-9a-f]{64}$/);
  expect(b).toMatch(/^[0-9a-f]{64}$/);
  expect(a).not.toBe(b);
}, serviceTestMs());

test("a log shows its first four characters only", () => {
  expect(maskToken("0123456789abcdef")).toBe("0123…");
});
