/**
 * Bearer-token auth for the admin server. Tokens are compared in constant
 * time: both sides are hashed (SHA-256), then every byte of the digests is
 * compared, so neither the length nor the first differing byte shows in the
 * timing. Synchronously (node:crypto): WebCrypto's digest runs on a thread of
 * the pool and wakes the event loop again, and with every CPU busy (workers
 * saturating them) each wake-up waits for a time slice: that doubled an
 * admin request's latency under load (bench/admin-load.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { errorBody } from "./_errors.ts";

const digest = (text: string): Uint8Array => createHash("sha256").update(text).digest();

/** Compares a given token with `token` (its digest made once, not per request). */
function matchesToken(token: string): (given: string) => boolean {
  const expected = digest(token);
  return (given) => timingSafeEqual(digest(given), expected);
}

/** Requests must carry `Authorization: Bearer <token>`; `open(path)` names the paths that need none. */
export function bearerAuth(token: string, open: (path: string) => boolean): MiddlewareHandler {
  const matches = matchesToken(token);
  return (c, next) => {
    if (open(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match && matches(match[1]!)) return next();
    c.header("WWW-Authenticate", 'Bearer realm="bento-kit"');
    const message = header === ""
      ? "Missing token: send Authorization: Bearer <token> (BENTO_ADMIN_TOKEN, or the token in the instance file)"
      : "Wrong token: send the token of this service (BENTO_ADMIN_TOKEN, or the token in the instance file)";
    return Promise.resolve(c.json(errorBody("Unauthorized", message), 401));
  };
}
