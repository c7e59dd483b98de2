/**
 * Bearer-token auth for the admin server. Tokens are compared in constant
 * time: both sides are hashed (SHA-256), then every byte of the digests is
 * compared, so neither the length nor the first differing byte shows in the
 * timing.
 */
import type { MiddlewareHandler } from "hono";
import { errorBody } from "./_errors.ts";

/** 32 random bytes as hex, for a service started without BENTO_ADMIN_TOKEN. */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** How a token may appear in a log: its first four characters. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…`;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

export async function tokensEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** Requests must carry `Authorization: Bearer <token>`; `open(path)` names the paths that need none. */
export function bearerAuth(token: string, open: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (open(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match && (await tokensEqual(match[1]!, token))) return next();
    c.header("WWW-Authenticate", 'Bearer realm="bento-kit"');
    const message = header === ""
      ? "Missing token: send Authorization: Bearer <token> (BENTO_ADMIN_TOKEN, or the token in the instance file)"
      : "Wrong token: send the token of this service (BENTO_ADMIN_TOKEN, or the token in the instance file)";
    return c.json(errorBody("Unauthorized", message), 401);
  };
}
