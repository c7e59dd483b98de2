import { expect, test } from "bun:test";
import { checkUnixPath, UNIX_PATH_MAX } from "../../mod.ts";

test("a Unix socket path over the AF_UNIX limit is a clear error, counted in bytes", () => {
  expect(checkUnixPath("/tmp/bento-kit-abc/iris.sock").isOk()).toBe(true);
  expect(checkUnixPath(`/${"a".repeat(UNIX_PATH_MAX - 1)}`).isOk()).toBe(true);
  const long = checkUnixPath(`/${"a".repeat(UNIX_PATH_MAX)}`)._unsafeUnwrapErr();
  expect(long.kind).toBe("SocketPathTooLong");
  expect(long.message).toContain(
    "over the 107-byte AF_UNIX limit: set TMPDIR to a shorter directory, or use --no-unix-sockets",
  );
  expect(checkUnixPath(`/${"é".repeat(54)}`).isErr()).toBe(true); // 108 bytes in 55 characters
});
