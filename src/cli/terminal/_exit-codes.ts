/** Exit codes per error kind: 2 for usage and config mistakes, 1 for runtime failures. */
import type { BentoError } from "../../core/errors.ts";

export const EXIT_CODES: { readonly [K in BentoError["kind"]]: 1 | 2 } = {
  ManifestInvalid: 2,
  ManifestNotFound: 2,
  ManifestTimedOut: 2,
  OptionInvalid: 2,
  SocketPathTooLong: 2,
  EnvInvalid: 2,
  TlsInvalid: 2,
  TempDirUnusable: 2,
  FdLimitTooLow: 2,
  PreflightFailed: 2,
  RunnerNotFound: 2,
  RunnerMapInvalid: 2,
  BindFailed: 1,
  SpawnFailed: 1,
  HookVetoed: 1,
  HookFailed: 1,
  PoolGaveUp: 1,
};

export function exitCodeFor(error: BentoError): 1 | 2 {
  if (error.kind === "BindFailed" && error.code === "ENOTFOUND") return 2;
  if (error.kind === "SpawnFailed" && error.code === "ENOENT") return 2;
  return EXIT_CODES[error.kind];
}
