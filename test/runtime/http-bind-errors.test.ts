/**
 * The line an admin or metrics HTTP server's failed bind gives, from what each
 * runtime throws: Node's and Bun's errno codes, Deno's error names, and a
 * bind made through libc whose error carries only its code.
 */
import { expect, test } from "bun:test";
import { httpBindFailed } from "../../src/runtime/shared/_http.ts";

const messageOf = (cause: unknown) => httpBindFailed("127.0.0.1", 3001, cause).message;

test("the common codes get a sentence; another code keeps the runtime's message, not its code twice", () => {
  expect(messageOf({ code: "EADDRINUSE", message: "listen EADDRINUSE: address already in use" })).toBe(
    "Cannot serve HTTP on 127.0.0.1:3001: the port is already in use (EADDRINUSE)",
  );
  expect(messageOf({ name: "AddrInUse", message: "Address already in use" })).toContain("already in use (EADDRINUSE)");
  expect(messageOf({ code: "EACCES", message: "x" })).toContain("needs privileges (EACCES)");
  expect(httpBindFailed("::1", 80, { code: "EADDRNOTAVAIL" }).message).toBe(
    "Cannot serve HTTP on [::1]:80: the address is not on this machine (EADDRNOTAVAIL)",
  );
  expect(messageOf({ code: "EPERM", message: "listen EPERM: operation not permitted" })).toBe(
    "Cannot serve HTTP on 127.0.0.1:3001 (EPERM): listen EPERM: operation not permitted",
  );
  // Through libc (an IP literal bound by a Node supervisor) the error's message is its code.
  expect(messageOf(Object.assign(new Error("EPERM"), { code: "EPERM" }))).toBe(
    "Cannot serve HTTP on 127.0.0.1:3001 (EPERM)",
  );
  expect(messageOf("gone")).toBe("Cannot serve HTTP on 127.0.0.1:3001 (EUNKNOWN): gone");
});
