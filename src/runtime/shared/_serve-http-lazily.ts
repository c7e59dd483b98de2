/**
 * `serveHttp` for the three adapters: serveGuardedHttp, imported on the first
 * call, after the workers have spawned. It loads node:net, which took 14 ms of
 * a Bun supervisor's start before its first spawn.
 */
import { ResultAsync } from "neverthrow";
import type { HttpServeOptions, RuntimePort } from "../../core/ports.ts";

/** `boundFor`: the listening handle the adapter binds itself (Node), or the errno name of its failure. */
export function serveHttpLazily(
  boundFor?: (options: HttpServeOptions) => object | string | undefined,
): RuntimePort["serveHttp"] {
  return (app, options) =>
    ResultAsync.fromSafePromise(import("./_guarded-http.ts")).andThen(({ serveGuardedHttp }) =>
      serveGuardedHttp(app, options, boundFor?.(options))
    );
}
