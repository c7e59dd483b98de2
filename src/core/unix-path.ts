import { err, ok, type Result } from "neverthrow";
import { type SocketPathTooLong, socketPathTooLong } from "./errors.ts";

/** Longest AF_UNIX path on Linux: sun_path is 108 bytes including the NUL. */
export const UNIX_PATH_MAX = 107;

export function checkUnixPath(path: string, limit = UNIX_PATH_MAX): Result<string, SocketPathTooLong> {
  const bytes = utf8Length(path);
  return bytes > limit ? err(socketPathTooLong(path, bytes, limit)) : ok(path);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
