import { err, ok, type Result } from "neverthrow";
import { type SocketPathTooLong, socketPathTooLong } from "./errors.ts";

/** Longest AF_UNIX path on Linux: sun_path is 108 bytes including the NUL. */
export const UNIX_PATH_MAX = 107;

export function checkUnixPath(path: string, limit = UNIX_PATH_MAX): Result<string, SocketPathTooLong> {
  const bytes = new TextEncoder().encode(path).length;
  return bytes > limit ? err(socketPathTooLong(path, limit)) : ok(path);
}
