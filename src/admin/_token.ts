/**
 * The admin token as the launch makes and shows it, apart from its check
 * (_auth.ts): that one loads node:crypto, 3 ms of a Bun supervisor's start.
 */
import { closeSync, openSync, readSync } from "node:fs";

/**
 * 32 random bytes as hex, for a service started without BENTO_ADMIN_TOKEN.
 * Node reads them from /dev/urandom (the kernel's CSPRNG, as getrandom(2)): its global
 * `crypto` (Web Crypto) and node:crypto are loaded on first use, 3-10 ms of
 * the supervisor's start before its first spawn. Bun and Deno have
 * `crypto.getRandomValues` built in; so does Node where /dev/urandom cannot be read.
 */
export function generateToken(): string {
  const bytes = new Uint8Array(32);
  if ("Bun" in globalThis || "Deno" in globalThis || !readUrandom(bytes)) crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function readUrandom(into: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    fd = openSync("/dev/urandom", "r");
    return readSync(fd, into) === into.length;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How a token may appear in a log: its first four characters. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…`;
}
