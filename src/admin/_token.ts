/**
 * The admin token as the launch makes and shows it, apart from its check
 * (_auth.ts): that one loads node:crypto, 3 ms of a Bun supervisor's start.
 */

/** 32 random bytes as hex, for a service started without BENTO_ADMIN_TOKEN. */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** How a token may appear in a log: its first four characters. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…`;
}
